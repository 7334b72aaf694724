"""Account forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from cwqbo.models.user import MIN_PASSWORD_LENGTH

PASSWORD_RULE = Length(
    min=MIN_PASSWORD_LENGTH,
    max=200,
    message=f"Use at least {MIN_PASSWORD_LENGTH} characters; a short sentence works well.",
)


def new_password_fields():
    password = PasswordField("Password", validators=[DataRequired(), PASSWORD_RULE])
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )
    return password, confirm


class SignupForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        "Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    password, confirm = new_password_fields()


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False)])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Remember me")


class ForgotForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False)])


class ResetForm(FlaskForm):
    password, confirm = new_password_fields()


class AcceptForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    password, confirm = new_password_fields()
