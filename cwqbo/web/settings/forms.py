"""Settings forms."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

SITE_RULE = Regexp(
    r"^(https?://)?[A-Za-z0-9.-]+(:\d+)?/?$",
    message="Type the host name only, e.g. na.myconnectwise.net (no path).",
)


class ManageForm(FlaskForm):
    site = StringField(
        "Site",
        validators=[DataRequired(message="Type your Manage site."), Length(max=255), SITE_RULE],
        description="The address you log in to Manage at, e.g. na.myconnectwise.net, "
        "or your on-premise server's host name.",
    )
    company_id = StringField(
        "Company ID",
        validators=[DataRequired(message="Type the company ID."), Length(max=100)],
        description="The company you type on the Manage login screen.",
    )
    public_key = StringField(
        "Public Key",
        validators=[DataRequired(message="Type the API member's public key."), Length(max=100)],
    )
    private_key = PasswordField(
        "Private Key",
        validators=[Optional(), Length(max=100)],
        description="Shown once by Manage when the key is made. Leave blank to keep the saved one.",
    )
    client_id = StringField(
        "Client ID",
        validators=[DataRequired(message="Type the Client ID."), Length(max=100)],
        description="Registered at developer.connectwise.com; defaults to CW_CLIENT_ID.",
    )
