"""Build API clients for the saved connections (the web and job layers' one way in)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import current_app

from cwqbo.connections.alerts import email_admins_connection_lost
from cwqbo.connections.tokens import DatabaseTokenStore
from cwqbo.connectwise import ManageClient, ManageCredentials
from cwqbo.connectwise.probe import ProbeResult
from cwqbo.extensions import db
from cwqbo.jobs import get_redis
from cwqbo.models import ManageConnection, QBOConfiguration
from cwqbo.models.user import utcnow
from cwqbo.quickbooks import IntuitOAuth, OAuthSettings, QBOClient
from cwqbo.quickbooks.oauth import endpoints_for
from cwqbo.quickbooks.ratelimit import RealmRateLimiter
from cwqbo.quickbooks.tokens import TokenManager

log = logging.getLogger(__name__)


class NotConnected(Exception):
    """The connection a feature needs is missing or lost; the message says what to do."""


def manage_credentials(connection: ManageConnection) -> ManageCredentials:
    return ManageCredentials(
        site=connection.site,
        company_id=connection.company_id,
        public_key=connection.public_key,
        private_key=connection.private_key,
        client_id=connection.client_id,
    )


def record_manage_check(
    connection: ManageConnection, result: ProbeResult, user_id: int | None
) -> None:
    """Store a connection check's outcome; a working check also stores what it discovered."""
    connection.status = ManageConnection.CONNECTED if result.ok else ManageConnection.FAILED
    connection.problems = list(result.problems)
    connection.checked_at = utcnow()
    connection.updated_by_id = user_id
    if result.ok:
        connection.last_ok_at = connection.checked_at
        connection.api_base, connection.codebase = result.api_base, result.codebase
        connection.company_name = result.company_name


def save_manage_connection(
    credentials: ManageCredentials, result: ProbeResult, user_id: int | None
) -> ManageConnection:
    """Save checked credentials as the install's one Manage connection (spec B1) and commit."""
    connection = ManageConnection.current() or ManageConnection()
    connection.site, connection.company_id = credentials.site, credentials.company_id
    connection.public_key, connection.client_id = credentials.public_key, credentials.client_id
    connection.private_key = credentials.private_key
    record_manage_check(connection, result, user_id)
    db.session.add(connection)
    db.session.commit()
    return connection


def manage_client(**kwargs: Any) -> ManageClient:
    """Return a client for the saved Manage connection."""
    connection = ManageConnection.current()
    if connection is None or not connection.is_connected:
        raise NotConnected("ConnectWise Manage is not connected. An admin sets it up first.")
    kwargs.setdefault("api_base", connection.api_base)
    return ManageClient(manage_credentials(connection), **kwargs)


def oauth_settings() -> OAuthSettings:
    cfg = current_app.config
    redirect_uri = cfg["QBO_REDIRECT_URI"] or cfg["PUBLIC_URL"] + "/settings/quickbooks/callback"
    return OAuthSettings(
        cfg["QBO_CLIENT_ID"],
        cfg["QBO_CLIENT_SECRET"],
        redirect_uri,
        cfg["QBO_ENVIRONMENT"],
        cfg["QBO_LOCAL_BASE_URL"] if cfg["QBO_ENVIRONMENT"] == "local" else None,
    )


# The README heading that says how to register the Intuit app (tests find it in README.md).
INTUIT_APP_SECTION = "Your Intuit app (QuickBooks Online)"


def intuit_oauth() -> IntuitOAuth:
    if not current_app.config["QBO_CLIENT_ID"] or not current_app.config["QBO_CLIENT_SECRET"]:
        raise NotConnected(
            "This install has no Intuit app yet: set QBO_CLIENT_ID and QBO_CLIENT_SECRET "
            f"(README, section “{INTUIT_APP_SECTION}”)."
        )
    return IntuitOAuth(oauth_settings())


def api_base_url() -> str:
    cfg = current_app.config
    return endpoints_for(cfg["QBO_ENVIRONMENT"], cfg["QBO_LOCAL_BASE_URL"]).api_base_url


def token_manager() -> TokenManager:
    margin = current_app.config["QBO_REFRESH_MARGIN_MINUTES"]
    return TokenManager(
        intuit_oauth(),
        DatabaseTokenStore(db.engine, on_lost=email_admins_connection_lost),
        get_redis(),
        margin=timedelta(minutes=margin),
    )


def qbo_client(config: QBOConfiguration, **kwargs: Any) -> QBOClient:
    """Return a client for a connected configuration: tokens refreshed on use, shared limits."""
    if not config.is_connected:
        raise NotConnected(
            config.lost_message
            if config.is_lost
            else (f"{config.name} is not connected to QuickBooks Online yet.")
        )
    get_token, force_refresh = token_manager().provider(config.id)
    kwargs.setdefault("rate_limiter", RealmRateLimiter(get_redis(), config.realm_id))
    kwargs.setdefault("throttle_wait", float(current_app.config["QBO_THROTTLE_WAIT"]))
    kwargs.setdefault("backoff", current_app.config["API_RETRY_BACKOFF"])
    return QBOClient(config.realm_id, api_base_url(), get_token, force_refresh, **kwargs)


def read_company(config: QBOConfiguration, client: QBOClient) -> None:
    """Read CompanyInfo and Preferences into the configuration (spec C2)."""
    info = client.company_info()
    prefs = client.preferences()
    config.company_info, config.preferences = info, prefs
    config.company_name = info.get("CompanyName")
    config.country = info.get("Country")
    currency = prefs.get("CurrencyPrefs", {})
    config.home_currency = (currency.get("HomeCurrency") or {}).get("value")
    config.multi_currency = bool(currency.get("MultiCurrencyEnabled"))
    accounting = prefs.get("AccountingInfoPrefs", {})
    config.class_tracking = bool(accounting.get("ClassTrackingPerTxn")) or bool(
        accounting.get("ClassTrackingPerTxnLine")
    )
    config.location_tracking = bool(accounting.get("TrackDepartments"))
