"""flask commands for admins."""

from __future__ import annotations

import click
from flask import Flask

from cwqbo.extensions import db
from cwqbo.models import Role, User
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
