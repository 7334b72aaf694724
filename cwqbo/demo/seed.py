"""Seed demo mode's database (spec I2): an admin, a working Manage connection and a QBO
configuration connected to the sandbox's US company, with options a first batch needs.

Runs in an app context against the two local sandboxes. Every step is idempotent: a restarted
demo reuses its database. The sandboxes restart with fresh sample data, so the batch history
(which would describe documents that no longer exist there) is wiped, and every connected
configuration goes through the sandbox's OAuth consent again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import requests
import sqlalchemy as sa

from cwqbo import connections
from cwqbo.connectwise import ManageCredentials
from cwqbo.connectwise.probe import check_connection
from cwqbo.extensions import db
from cwqbo.models import (
    ConfigurationOptions,
    QBOConfiguration,
    Role,
    TaxMapping,
    User,
)
from cwqbo.models.user import utcnow
from cwqbo.options.lists import manage_tax_codes, qbo_accounts, qbo_tax_codes
from cwqbo.quickbooks.errors import QBOError
from cwqbo.quickbooks.oauth import parse_callback

DEMO_EMAIL = "demo@cwqbo.example"  # .local is refused by the log-in form's e-mail check
DEMO_PASSWORD = "demo-password-123"  # demo only: printed on every start
DEMO_NAME = "Demo Admin"
DEMO_CLIENT_ID = "cwqbo-demo"  # registered in the Manage sandbox sample (credentials.clientIds)
DEFAULT_NAME = "Default"
US_REALM = "9341453000000001"

# Options a first invoice batch needs, by the names the QBO sample company uses.
DEMO_ACCOUNTS = {
    "income_account": "Income:Products",
    "cogs_account": "Cost of Goods Sold",
    "asset_account": "Inventory Asset",
    "cash_account": "Petty Cash",
    "check_account": "Checking",
    "credit_card_account": "Company Visa",
}
EXEMPT_CODE = "EXEMPT"


class DemoError(RuntimeError):
    """Demo mode could not be set up; the message says what failed."""


@dataclass
class SeedResult:
    batches_wiped: int = 0
    manage_company: str = ""
    connected: list[str] = field(default_factory=list)  # "Default → cwqbo Demo MSP (realm)"
    default_realm: str = US_REALM
    options_filled: bool = False


def seed_demo(manage_site: str, manage_keys: dict[str, str]) -> SeedResult:
    """Make the demo database ready for a batch; ``manage_keys`` as the sandbox's credentials."""
    result = SeedResult(batches_wiped=wipe_batch_history())
    admin = ensure_admin()
    result.manage_company = ensure_manage(manage_site, manage_keys, admin.id)
    default = ensure_default_configuration()
    for config in connected_configurations(default):
        realm = config.realm_id or US_REALM
        connect_qbo(config, realm)
        result.connected.append(f"{config.name} → {config.company_name} (realm {realm})")
    result.default_realm = default.realm_id or US_REALM
    result.options_filled = fill_demo_options(default)
    return result


def wipe_batch_history() -> int:
    """Delete every batch and the rows that hang off batches; return how many batches went."""
    batches = db.metadata.tables["batches"]
    count = db.session.scalar(sa.select(sa.func.count()).select_from(batches)) or 0
    doomed = {batches}
    for table in db.metadata.sorted_tables:  # parents first, so one pass finds the chains
        if any(fk.column.table in doomed for fk in table.foreign_keys):
            doomed.add(table)
    for table in reversed(db.metadata.sorted_tables):
        if table in doomed:
            db.session.execute(table.delete())
    db.session.commit()
    return count


def ensure_admin() -> User:
    """Create the demo admin, or reset it to the printed password, verified and active."""
    user = db.session.scalar(sa.select(User).where(User.email == DEMO_EMAIL))
    if user is None:
        user = User(email=DEMO_EMAIL, name=DEMO_NAME)
        db.session.add(user)
    user.role = Role.ADMIN.value
    user.email_verified_at = user.email_verified_at or utcnow()
    user.deactivated_at = None
    if not user.password_hash or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
    db.session.commit()
    return user


def ensure_manage(site: str, keys: dict[str, str], admin_id: int) -> str:
    """Check the Manage sandbox as Set Up ConnectWise does and save the working connection."""
    credentials = ManageCredentials(
        site=site,
        company_id=keys["companyId"],
        public_key=keys["publicKey"],
        private_key=keys["privateKey"],
        client_id=DEMO_CLIENT_ID,
    )
    probe = check_connection(credentials)
    if not probe.ok:
        raise DemoError("the Manage sandbox refused the demo keys: " + "; ".join(probe.problems))
    connection = connections.save_manage_connection(credentials, probe, admin_id)
    return connection.company_name or connection.company_id


def ensure_default_configuration() -> QBOConfiguration:
    """Return the configuration of the US company, creating "Default" if there is none."""
    config = db.session.scalar(
        sa.select(QBOConfiguration)
        .where(QBOConfiguration.realm_id == US_REALM)
        .where(QBOConfiguration.status != QBOConfiguration.NOT_CONNECTED)
        .order_by(QBOConfiguration.id)
    ) or db.session.scalar(
        sa.select(QBOConfiguration).where(
            sa.func.lower(QBOConfiguration.name) == DEFAULT_NAME.lower()
        )
    )
    if config is None:
        config = QBOConfiguration(name=DEFAULT_NAME, is_default=QBOConfiguration.default() is None)
        db.session.add(config)
        db.session.commit()
    return config


def connected_configurations(default: QBOConfiguration) -> list[QBOConfiguration]:
    """Return the configurations to reconnect: the default and any the user had connected."""
    others = db.session.scalars(
        sa.select(QBOConfiguration)
        .where(QBOConfiguration.id != default.id)
        .where(QBOConfiguration.realm_id.is_not(None))
        .where(QBOConfiguration.status != QBOConfiguration.NOT_CONNECTED)
        .order_by(QBOConfiguration.id)
    ).all()
    return [default, *others]


def connect_qbo(config: QBOConfiguration, realm: str) -> None:
    """Connect through the sandbox's real consent page and token endpoint, as an admin would."""
    oauth = connections.intuit_oauth()
    state = secrets.token_urlsafe(24)
    consent = oauth.authorization_url(state)
    try:
        answer = requests.post(
            consent,
            data={"realm": realm, "action": "authorize"},
            allow_redirects=False,
            timeout=10,
        )
    except requests.RequestException as exc:
        raise DemoError(f"the QBO sandbox's consent page did not answer ({exc})") from None
    if answer.status_code != 302:
        raise DemoError(f"the QBO sandbox refused the consent (HTTP {answer.status_code})")
    params = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
    try:
        callback = parse_callback(params, expected_state=state)
        tokens = oauth.exchange_code(callback.code, callback.realm_id)
        connections.write_tokens(config, tokens)
        config.connected_at = utcnow()
        db.session.commit()  # tokens are durable before anything else can fail
        connections.read_company(config, connections.qbo_client(config))
        db.session.commit()
    except QBOError as exc:
        db.session.rollback()
        raise DemoError(f"connecting {config.name} to the QBO sandbox failed ({exc})") from None


def fill_demo_options(config: QBOConfiguration) -> bool:
    """Map tax codes by name and pick the accounts a first batch needs, once per configuration
    (the options row exists afterwards, so what the user changes later stays)."""
    if config.realm_id != US_REALM or db.session.get(ConfigurationOptions, config.id):
        return False
    qbo = connections.qbo_client(config)
    accounts = {c.name: c for c in qbo_accounts(qbo)}
    qbo_codes = {c.name: c for c in qbo_tax_codes(qbo)}
    options = ConfigurationOptions.for_config(config)
    for option, name in DEMO_ACCOUNTS.items():
        if name in accounts:
            options.set_ref(option, accounts[name].as_ref())
    if EXEMPT_CODE in qbo_codes:
        options.set_ref("exempt_tax_code", qbo_codes[EXEMPT_CODE].as_ref())
    manage_codes = manage_tax_codes(connections.manage_client())
    for position, code in enumerate(c for c in manage_codes if c.name in qbo_codes):
        target = qbo_codes[code.name]
        db.session.add(
            TaxMapping(
                config_id=config.id,
                manage_tax_code_id=code.id,
                manage_tax_code_name=code.name,
                qbo_tax_code_id=target.id,
                qbo_tax_code_name=target.name,
                position=position,
            )
        )
    db.session.commit()
    return True
