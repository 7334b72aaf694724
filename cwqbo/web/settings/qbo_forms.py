"""Forms of the QBO configuration list."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

NAME_RULES = [DataRequired(message="Give the configuration a name."), Length(max=100)]


class NewConfigurationForm(FlaskForm):
    name = StringField("Name", validators=NAME_RULES)


class RenameForm(FlaskForm):
    name = StringField("Name", validators=NAME_RULES)


class DeleteForm(FlaskForm):
    confirm = BooleanField(
        "I understand that this configuration's batch history and statistics are deleted",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )
