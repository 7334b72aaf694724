"""cwqbo: move ConnectWise Manage accounting into QuickBooks Online."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from cwqbo import pglimits
from cwqbo.config import load_config
from cwqbo.extensions import csrf, db, htmx, limiter, login_manager, migrate, tune_sqlite


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment, with config overriding it (tests)."""
    settings = load_config(
        env=(config or {}).get("ENV_VARS"), instance=(config or {}).get("INSTANCE_PATH")
    )
    settings.update({k: v for k, v in (config or {}).items() if k != "ENV_VARS"})
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"], instance_relative_config=True)
    app.url_map.converters["int"] = pglimits.IdConverter  # ids fit PostgreSQL's integer
    app.config.from_mapping(settings)
    if app.config.get("TRUSTED_PROXIES"):
        # Take the client address and scheme from that many proxies' headers (Heroku: 1);
        # with 0, X-Forwarded-* is ignored so nobody can claim another address.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.config.setdefault("RATELIMIT_STORAGE_URI", _limits_uri(app.config["REDIS_URL"]))
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "cwqbo-limits")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    db.init_app(app)
    with app.app_context():
        tune_sqlite(db.engine)  # WAL + synchronous=NORMAL: see cwqbo/extensions.py
    pglimits.install()  # PostgreSQL refuses NUL characters in text: see cwqbo/pglimits.py
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)

    from cwqbo import models  # noqa: F401  (register tables)
    from cwqbo.web import register_web

    register_web(app)
    from cwqbo.connections.health import register_template_globals

    register_template_globals(app)  # the connection-health figures pages include
    app.before_request(pglimits.refuse_nul_input)

    from cwqbo.cli import register_cli

    register_cli(app)
    return app


def _limits_uri(redis_url: str) -> str:
    """Return the `limits` storage URI for a redis-py URL (unix sockets spelled its way)."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://") :]
    return redis_url


def _migrations_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "migrations"
