"""The saved Manage and QBO connections: clients built from them, token store, keep-alive,
health checks and alerts (spec B1-B3, C3, C4, J6).

clients    the one way in for the web and job layers: manage_client, qbo_client
tokens     the encrypted token store over qbo_configurations, and the TokenManager
keepalive  the 30-minute refresh job: what expires within the hour, idle ones kept alive
health     the daily check of every connection, expiry thresholds, the dashboard's rows
alerts     the e-mails to admins: connection lost, connection ends in 30 / 7 days
"""

from cwqbo.connections.clients import (
    NotConnected,
    api_base_url,
    intuit_oauth,
    manage_client,
    manage_credentials,
    oauth_settings,
    qbo_client,
    read_company,
    record_manage_check,
    save_manage_connection,
    token_manager,
)
from cwqbo.connections.tokens import (
    DatabaseTokenStore,
    clear_tokens,
    mark_lost,
    write_tokens,
)

__all__ = [
    "DatabaseTokenStore",
    "NotConnected",
    "api_base_url",
    "clear_tokens",
    "intuit_oauth",
    "manage_client",
    "manage_credentials",
    "mark_lost",
    "oauth_settings",
    "qbo_client",
    "read_company",
    "record_manage_check",
    "save_manage_connection",
    "token_manager",
    "write_tokens",
]
