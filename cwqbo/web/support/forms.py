"""The Contact Support form; its configuration and batch lists are filled by the view."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class SupportForm(FlaskForm):
    subject = StringField(
        "Subject",
        validators=[
            DataRequired("Give the request a subject, e.g. “Invoice batch INV-000042 failed”."),
            Length(max=200, message="Keep the subject under 200 characters."),
        ],
    )
    message = TextAreaField(
        "Message",
        validators=[
            DataRequired("Describe what happened and what you expected."),
            Length(max=10000, message="Keep the message under 10,000 characters."),
        ],
    )
    send_log = BooleanField("Send batch log?")
    config_id = SelectField("QuickBooks Online configuration", validate_choice=False)
    batch_id = SelectField("Batch ID", validate_choice=False)
