"""Settings from the environment, parsed and checked once."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from werkzeug.security import generate_password_hash


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}.") from None


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}; got {value!r}.")
    return value


def _kept_secret(instance: Path, name: str, make) -> str:
    """Return a development secret kept in instance/, creating it once."""
    path = instance / name
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value


def database_url(env: Mapping[str, str], instance: Path) -> str:
    """Return the SQLAlchemy URL: DATABASE_URL (Heroku's postgres:// accepted) or SQLite."""
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance / 'cwqbo.sqlite3'}"
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def embedded_redis_socket(instance: Path) -> Path:
    """Return where the embedded Redis server listens when REDIS_URL is unset."""
    return instance / "valkey" / "valkey.sock"


def load_config(env: Mapping[str, str] | None = None, instance: Path | str | None = None) -> dict:
    """Build the Flask config from environment variables; fail fast on bad ones."""
    env = os.environ if env is None else env
    instance = Path(instance or env.get("CWQBO_INSTANCE") or Path.cwd() / "instance").resolve()
    mode = env.get("CWQBO_ENV", "development").strip().lower()
    if mode not in {"development", "production"}:
        raise ConfigError(f"CWQBO_ENV must be 'development' or 'production', got {mode!r}.")
    production = mode == "production"

    secret_key = env.get("SECRET_KEY", "").strip()
    encryption_keys = env.get("ENCRYPTION_KEY", "").strip()
    if production:
        missing = [
            name
            for name, value in (("SECRET_KEY", secret_key), ("ENCRYPTION_KEY", encryption_keys))
            if not value
        ]
        if missing:
            raise ConfigError(
                "cwqbo refuses to start in production without "
                + " and ".join(missing)
                + ". Set it in the environment (see README, Configuration)."
            )
    secret_key = secret_key or _kept_secret(instance, "secret_key", lambda: secrets.token_hex(32))
    encryption_keys = encryption_keys or _kept_secret(
        instance, "encryption_key", lambda: Fernet.generate_key().decode()
    )

    redis_url = env.get("REDIS_URL", "").strip()
    if not redis_url:
        redis_url = f"unix://{embedded_redis_socket(instance)}"

    mail_server = env.get("MAIL_SERVER", "").strip()
    remember_days = _int(env, "REMEMBER_DAYS", 30)
    if remember_days < 1:
        raise ConfigError(f"REMEMBER_DAYS must be at least 1 (days), got {remember_days}.")
    mark_concurrency = _int(env, "MANAGE_MARK_CONCURRENCY", 8)
    if not 1 <= mark_concurrency <= 10:
        raise ConfigError(
            "MANAGE_MARK_CONCURRENCY must be 1 to 10 (ConnectWise batch requests sent at once; "
            f"1 sends them one after the other), got {mark_concurrency}."
        )
    password_hash = env.get("PASSWORD_HASH", "scrypt").strip() or "scrypt"
    if password_hash != "scrypt" and not _hash_works(password_hash):
        raise ConfigError(
            "PASSWORD_HASH must be werkzeug's 'scrypt' (the default: scrypt:32768:8:1) or "
            f"'pbkdf2' with optional parameters (e.g. scrypt:65536:8:1), got {password_hash!r}."
        )
    trusted_proxies = _int(env, "TRUSTED_PROXIES", 0)
    if trusted_proxies < 0:
        raise ConfigError(
            f"TRUSTED_PROXIES must be 0 (no proxy) or the number of proxies in front of cwqbo "
            f"(1 on Heroku), got {trusted_proxies}."
        )
    return {
        **batch_settings(env),
        "CWQBO_ENV": mode,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": secret_key,
        "ENCRYPTION_KEYS": [k.strip() for k in encryption_keys.split(",") if k.strip()],
        "SQLALCHEMY_DATABASE_URI": database_url(env, instance),
        "REDIS_URL": redis_url,
        "EMBEDDED_REDIS": not env.get("REDIS_URL", "").strip(),
        "PUBLIC_URL": env.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": _int(env, "MAIL_PORT", 587),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _flag(env.get("MAIL_USE_TLS"), default=True),
        "MAIL_USE_SSL": _flag(env.get("MAIL_USE_SSL")),
        "MAIL_FROM": env.get("MAIL_FROM", "cwqbo <cwqbo@localhost>"),
        "SUPPORT_EMAIL": _support_email(env),
        "OUTBOX_KEEP_DAYS": _int(env, "OUTBOX_KEEP_DAYS", 30),
        "INVITATION_DAYS": _int(env, "INVITATION_DAYS", 7),
        "CW_CLIENT_ID": env.get("CW_CLIENT_ID", ""),
        "QBO_CLIENT_ID": env.get("QBO_CLIENT_ID", ""),
        "QBO_CLIENT_SECRET": env.get("QBO_CLIENT_SECRET", ""),
        "QBO_REDIRECT_URI": env.get("QBO_REDIRECT_URI", "").strip(),
        "QBO_ENVIRONMENT": _choice(
            env, "QBO_ENVIRONMENT", ("production", "sandbox", "local"), "production"
        ),
        "QBO_LOCAL_BASE_URL": env.get("QBO_LOCAL_BASE_URL", "http://127.0.0.1:5556").rstrip("/"),
        "QBO_REFRESH_MARGIN_MINUTES": _int(env, "QBO_REFRESH_MARGIN_MINUTES", 10),
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_DAYS": remember_days,
        "REMEMBER_COOKIE_DURATION": timedelta(days=remember_days),
        "TRUSTED_PROXIES": trusted_proxies,
        "PASSWORD_HASH": password_hash,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "LOGIN_THROTTLE_ACCOUNT": env.get("LOGIN_THROTTLE_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_THROTTLE_IP": env.get("LOGIN_THROTTLE_IP", "20 per 15 minutes"),
        "FORGOT_THROTTLE_ACCOUNT": env.get("FORGOT_THROTTLE_ACCOUNT", "3 per hour"),
        "FORGOT_THROTTLE_IP": env.get("FORGOT_THROTTLE_IP", "10 per hour"),
        "QBO_THROTTLE_WAIT": _int(env, "QBO_THROTTLE_WAIT", 60),
        "MANAGE_MARK_CONCURRENCY": mark_concurrency,
        "API_RETRY_BACKOFF": 1.0,  # seconds; tests shorten it
    }


def _hash_works(method: str) -> bool:
    """Say whether werkzeug can hash with ``method`` (scrypt or pbkdf2, with parameters)."""
    if method.split(":")[0] not in {"scrypt", "pbkdf2"}:
        return False
    try:
        generate_password_hash("check", method=method)
    except (ValueError, TypeError):
        return False
    return True


def _support_email(env: Mapping[str, str]) -> str:
    """Return where Contact Support sends to ("" = the team's admins)."""
    value = env.get("SUPPORT_EMAIL", "").strip()
    if value and not all("@" in a.strip() for a in value.split(",")):
        raise ConfigError(
            f"SUPPORT_EMAIL must be an e-mail address (or several, comma-separated), got {value!r}."
        )
    return value


def batch_settings(env: Mapping[str, str]) -> dict:
    """Return the job timeout and the settings that keep a batch from getting stuck."""
    timeout = _int(env, "JOB_TIMEOUT", 1800)
    settings = {
        "JOB_TIMEOUT": timeout,
        "BATCH_LOCK_TTL": _int(env, "BATCH_LOCK_TTL", 30),
        "BATCH_STALE_AFTER": _int(env, "BATCH_STALE_AFTER", 60),
        "BATCH_SWEEP_INTERVAL": _int(env, "BATCH_SWEEP_INTERVAL", 60),
        "BATCH_TIME_BUDGET": _int(env, "BATCH_TIME_BUDGET", max(timeout - 300, timeout * 3 // 4)),
    }
    check_batch_settings(settings)
    return settings


def check_batch_settings(settings: Mapping[str, int]) -> None:
    """Refuse settings under which a live batch could look dead or meet its job timeout."""
    ttl, stale = settings["BATCH_LOCK_TTL"], settings["BATCH_STALE_AFTER"]
    if ttl < 3:
        raise ConfigError(f"BATCH_LOCK_TTL must be at least 3 seconds, got {ttl}.")
    if stale <= ttl:
        raise ConfigError(
            f"BATCH_STALE_AFTER ({stale}) must be longer than BATCH_LOCK_TTL ({ttl}): a batch "
            "is resumed only once its dead worker's lock has expired."
        )
    if settings["BATCH_SWEEP_INTERVAL"] < 1:
        raise ConfigError("BATCH_SWEEP_INTERVAL must be at least 1 second.")
    budget, timeout = settings["BATCH_TIME_BUDGET"], settings["JOB_TIMEOUT"]
    if not 0 < budget < timeout:
        raise ConfigError(
            f"BATCH_TIME_BUDGET ({budget}) must be above 0 and below JOB_TIMEOUT ({timeout}), "
            "so a long batch continues in a follow-up job before the timeout stops it."
        )
