"""The encrypted token store over qbo_configurations (spec C4: rotated tokens always kept)."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from cwqbo.crypto import secret_box
from cwqbo.models import QBOConfiguration
from cwqbo.models.qbo import aware_utc, naive_utc
from cwqbo.models.user import utcnow
from cwqbo.quickbooks.oauth import TokenSet

log = logging.getLogger(__name__)


class DatabaseTokenStore:
    """TokenStore over the qbo_configurations table, tokens encrypted.

    Each call uses its own short session and commits at once, so a rotated refresh token is
    durable before anything else happens, whatever the caller's session is doing.
    """

    def __init__(self, engine, on_lost=None):
        self.engine = engine
        self.box = secret_box()
        self.on_lost = on_lost

    def load(self, config_id: int) -> TokenSet | None:
        with Session(self.engine) as session:
            config = session.get(QBOConfiguration, config_id)
            if config is None or not config.is_connected or not config.refresh_token_encrypted:
                return None
            return TokenSet(
                access_token=self.box.decrypt(config.access_token_encrypted),
                refresh_token=self.box.decrypt(config.refresh_token_encrypted),
                access_expires_at=aware_utc(config.access_expires_at),
                refresh_expires_at=aware_utc(config.refresh_expires_at),
                hard_expires_at=aware_utc(config.hard_expires_at),
                realm_id=config.realm_id,
            )

    def save(self, config_id: int, tokens: TokenSet) -> None:
        with Session(self.engine) as session:
            config = session.get(QBOConfiguration, config_id)
            write_tokens(config, tokens, self.box)
            session.commit()

    def mark_disconnected(self, config_id: int, reason: str) -> None:
        with Session(self.engine) as session:
            config = session.get(QBOConfiguration, config_id)
            mark_lost(config, reason)
            session.commit()
        log.warning("QBO configuration %s lost its connection: %s", config_id, reason)
        if self.on_lost:
            self.on_lost(config_id)


def write_tokens(config: QBOConfiguration, tokens: TokenSet, box=None) -> None:
    """Store a token set (encrypted) and mark the configuration connected."""
    box = box or secret_box()
    config.access_token_encrypted = box.encrypt(tokens.access_token)
    config.refresh_token_encrypted = box.encrypt(tokens.refresh_token)
    config.access_expires_at = naive_utc(tokens.access_expires_at)
    config.refresh_expires_at = naive_utc(tokens.refresh_expires_at)
    config.hard_expires_at = naive_utc(tokens.hard_expires_at)
    config.realm_id = tokens.realm_id
    config.tokens_refreshed_at, config.renewed_by_keepalive = utcnow(), False
    config.status, config.status_reason, config.lost_at = QBOConfiguration.CONNECTED, None, None


def mark_lost(config: QBOConfiguration, reason: str) -> None:
    config.status, config.status_reason, config.lost_at = QBOConfiguration.LOST, reason, utcnow()
    config.access_token_encrypted = config.refresh_token_encrypted = None


def clear_tokens(config: QBOConfiguration) -> None:
    config.access_token_encrypted = config.refresh_token_encrypted = None
    config.access_expires_at = config.refresh_expires_at = config.hard_expires_at = None
    config.tokens_refreshed_at = config.expiry_alerts = None
    config.status, config.status_reason = QBOConfiguration.NOT_CONNECTED, None
