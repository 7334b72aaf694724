"""flask commands for admins."""

from __future__ import annotations

import sys
from datetime import datetime

import click
from flask import Flask

from cwqbo.cli_batch import KIND_NAMES, find_config, report, run_to_end, unposted_ids
from cwqbo.extensions import db
from cwqbo.models import ConfigurationOptions, Role, User
from cwqbo.models.user import MIN_PASSWORD_LENGTH, utcnow


def register_cli(app: Flask) -> None:
    """Add cwqbo's commands to the flask CLI."""

    @app.cli.command("create-admin")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.password_option()
    def create_admin(email: str, name: str, password: str) -> None:
        """Create a verified admin (for installs where sign-up is not wanted)."""
        email = email.strip().lower()
        if len(password) < MIN_PASSWORD_LENGTH:
            raise click.UsageError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
        if db.session.scalar(db.select(User).where(User.email == email)):
            raise click.UsageError(f"{email} already has an account.")
        user = User(email=email, name=name.strip(), role=Role.ADMIN.value)
        user.set_password(password)
        user.email_verified_at = utcnow()
        db.session.add(user)
        db.session.commit()
        click.echo(f"Admin {email} created.")

    @app.cli.command("scheduler")
    @click.option("--interval", default=30, show_default=True, help="Seconds between checks.")
    @click.option("--burst", is_flag=True, help="Enqueue what is due once, then exit.")
    def scheduler(interval: int, burst: bool) -> None:
        """Run the periodic-job scheduler."""
        from cwqbo.jobs.worker import run_scheduler

        run_scheduler(app, interval=interval, burst=burst)

    @app.cli.command("queues")
    def queues() -> None:
        """Show queues, workers and the scheduler's last heartbeat."""
        from cwqbo.web.dashboard import health

        for q in health.queues_state():
            click.echo(
                f"queue {q['name']}: {q['queued']} queued, {q['started']} running, "
                f"{q['failed']} failed"
            )
        workers = health.workers_state()
        click.echo(f"workers: {workers['count']}")
        for w in workers["workers"]:
            click.echo(f"  {w['name']} {w['state']} on {','.join(w['queues'])}")
        sched = health.scheduler_state()
        age = sched.get("age_seconds")
        click.echo(
            "scheduler: " + (f"last heartbeat {age}s ago" if age is not None else "never seen")
        )

    @app.cli.command("run-batch")
    @click.argument("kind", type=click.Choice(sorted(KIND_NAMES)))
    @click.option(
        "--config", "config_name", help="Configuration name or id (default: the default)."
    )
    @click.option("--location", type=int, help="Only this Manage billing location id.")
    @click.option(
        "--detail",
        type=click.Choice(["summary", "detailed"]),
        help="Invoice detail (default: the configuration's, Sales tab).",
    )
    @click.option("--timeout", default=3600.0, show_default=True, help="Seconds to wait at most.")
    def run_batch(
        kind: str, config_name: str | None, location: int | None, detail: str | None, timeout: float
    ) -> None:
        """Send every unposted transaction of KIND to QuickBooks; exit 1 if any fails."""
        from cwqbo.batches.service import SelectionError, create_batch
        from cwqbo.connections import NotConnected
        from cwqbo.connectwise import ManageError

        batch_kind = KIND_NAMES[kind]
        config = find_config(config_name)
        if detail is None:
            options = db.session.get(ConfigurationOptions, config.id)
            detail = (options.invoice_detail if options else None) or "summary"
        try:
            ids, left_out = unposted_ids(batch_kind, location)
        except (ManageError, NotConnected) as exc:
            raise click.ClickException(
                f"ConnectWise could not list the unposted {kind}: {exc}"
            ) from exc
        if left_out:
            click.echo(f"{left_out} unposted {kind} left out: unreadable or in a running batch.")
        if not ids:
            click.echo(f"No unposted {kind} to send.")
            return
        try:
            batch = create_batch(
                batch_kind,
                config,
                ids,
                invoice_detail=detail,
                location_id=location,
                location_name=None,
                user_id=None,
            )
        except SelectionError as exc:
            raise click.ClickException(str(exc)) from exc
        _audit("batch_run", batch.identifier, f"{len(ids)} {kind} to {config.name}, from the CLI")
        click.echo(f"{batch.identifier}: {len(ids)} {kind} to QuickBooks company {config.name}")
        sys.exit(report(run_to_end(batch, timeout)))

    @app.cli.command("payment-sync")
    @click.option(
        "--config", "config_name", help="Configuration name or id (default: the default)."
    )
    @click.option("--timeout", default=3600.0, show_default=True, help="Seconds to wait at most.")
    def payment_sync(config_name: str | None, timeout: float) -> None:
        """Bring QuickBooks payments to Manage's invoices now; exit 1 if any needs attention."""
        from cwqbo.batches.payment_run import AlreadyRunning, start_payment_sync
        from cwqbo.batches.service import SelectionError

        config = find_config(config_name)
        try:
            run = start_payment_sync(config, None, "Started from the flask CLI")
        except AlreadyRunning as exc:
            raise click.ClickException(f"{exc} Follow it on its status page.") from exc
        except SelectionError as exc:
            raise click.ClickException(str(exc)) from exc
        _audit("batch_run", f"payment sync {run.identifier}", f"{config.name}, from the CLI")
        click.echo(f"{run.identifier}: payment sync of {config.name}")
        sys.exit(report(run_to_end(run, timeout)))

    @app.cli.command("purge-audit")
    @click.option(
        "--before",
        required=True,
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help="Delete entries older than this day (YYYY-MM-DD, UTC).",
    )
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def purge_audit(before: datetime, yes: bool) -> None:
        """Delete audit log entries before a day (the purge itself is recorded)."""
        from cwqbo import audit

        if not yes:
            click.confirm(f"Delete every audit entry before {before:%Y-%m-%d}?", abort=True)
        count = audit.purge(before)
        click.echo(
            f"{count} audit entr{'y' if count == 1 else 'ies'} before {before:%Y-%m-%d} deleted."
        )


def _audit(action: str, target: str, detail: str) -> None:
    """Record a CLI action in the audit log (no user: the shell's admin ran it)."""
    from cwqbo import audit

    audit.record(action, target, detail=detail)
