"""The periodic schedule as data, registered idempotently with stable ids."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app, has_app_context
from rq_scheduler import Scheduler

from cwqbo.config import batch_settings
from cwqbo.jobs import SCHEDULED_QUEUE, SCHEDULER_HEARTBEAT_KEY
from cwqbo.jobs.cron_time import use_utc_cron_times

log = logging.getLogger(__name__)
ID_PREFIX = "cwqbo-periodic-"  # RQ job ids allow letters, digits, _ and - only
use_utc_cron_times()  # cron lines mean UTC; and no crontab FutureWarning (cron_time.py)


@dataclass(frozen=True)
class Periodic:
    """One periodic job: its stable id, when it runs and the periodic task it runs.

    ``cron`` is a cron line; ``every`` instead names the setting holding its interval in
    seconds (for work more frequent than a minute, or tuned per install).
    """

    id: str
    task: str
    description: str
    cron: str | None = None
    every: str | None = None
    timeout: int = 1800
    interval: int | None = None  # seconds, given directly (AutoSync: per configuration)
    first_at: datetime | None = None  # naive UTC of an interval job's first run (default now)


SCHEDULE: tuple[Periodic, ...] = (
    Periodic(
        id="sweep-batches",
        every="BATCH_SWEEP_INTERVAL",  # a minute by default
        task="sweep-batches",
        description="Resume batches whose worker died or whose job was lost",
        timeout=300,
    ),
    Periodic(
        id="purge",
        cron="17 3 * * *",  # daily, off the hour, when nobody is running batches
        task="purge",
        description="Purge expired invitations and old outbox mail",
    ),
    Periodic(
        id="qbo-tokens",
        cron="11,41 * * * *",  # every 30 minutes: what expires within the hour, idle ones weekly
        task="qbo-tokens",
        description="Refresh QuickBooks Online tokens",
    ),
    Periodic(
        id="connection-health",
        cron="23 6 * * *",  # daily: checks each connection, e-mails 30 and 7 days before expiry
        task="connection-health",
        description="Check every connection and warn admins before one expires",
    ),
)


PAYMENT_SYNC = "payment-sync:"  # task name prefix: "payment-sync:<configuration id>"


def payment_sync_schedule() -> list[Periodic]:
    """Return one daily payment sync per connected configuration, at its time of day (UTC).

    Ids are stable (``payment-sync-<config id>``), so registering again replaces, never adds.
    """
    from cwqbo.batches.payment_schedule import cron_line, time_of_day
    from cwqbo.models import QBOConfiguration

    return [
        Periodic(
            id=f"payment-sync-{config.id}",
            cron=cron_line(time_of_day(config.id)),
            task=f"{PAYMENT_SYNC}{config.id}",
            description=f"Payment sync of {config.name}",
        )
        for config in QBOConfiguration.ordered()
        if config.is_connected
    ]


AUTOSYNC = "autosync:"  # task name prefix: "autosync:<configuration id>"


def autosync_schedule() -> list[Periodic]:
    """Return one AutoSync entry per connected configuration that has it on, at its interval.

    Ids are stable (``autosync-<config id>``); the first run is one interval after the last
    run started (now if it never ran), so registering again never shifts or doubles a run.
    """
    from cwqbo.extensions import db
    from cwqbo.models import AutoSyncSetting, QBOConfiguration

    out, now = [], datetime.now(UTC).replace(tzinfo=None)
    for config in QBOConfiguration.ordered():
        setting = db.session.get(AutoSyncSetting, config.id)
        if setting is None or not setting.enabled or not config.is_connected:
            continue
        seconds = int(setting.interval_minutes) * 60
        last = setting.last_started_at
        out.append(
            Periodic(
                id=f"autosync-{config.id}",
                task=f"{AUTOSYNC}{config.id}",
                description=f"AutoSync of {config.name}",
                interval=seconds,
                first_at=max(now, last + timedelta(seconds=seconds)) if last else now,
                timeout=3600,
            )
        )
    return out


def full_schedule() -> tuple[Periodic, ...]:
    """Return the fixed schedule plus what the database adds (inside an app context)."""
    if not has_app_context():
        return SCHEDULE
    return SCHEDULE + tuple(payment_sync_schedule()) + tuple(autosync_schedule())


def reschedule_payment_sync() -> list[str]:
    """Register the schedule again after a configuration's time of day (or connection) changed."""
    from cwqbo.jobs import get_redis

    return register_schedule(make_scheduler(get_redis()))


def _signature(schedule) -> tuple:
    """Return what identifies a schedule's entries (not their first run, which moves)."""
    return tuple(sorted((p.id, p.task, p.cron, p.every, p.interval, p.timeout) for p in schedule))


class HeartbeatScheduler(Scheduler):
    """rq-scheduler that records when it last looked, and follows the database's schedule.

    A configuration connected, deleted or given another time of day changes what
    ``full_schedule()`` returns; the scheduler re-registers when that happens, so no page
    has to remember to and no restart is needed.
    """

    registered: tuple | None = None

    def register(self, schedule=None) -> list[str]:
        """Register ``schedule`` (default: the full one) and remember what was registered."""
        schedule = full_schedule() if schedule is None else schedule
        ids = register_schedule(self, schedule)
        self.registered = _signature(schedule)
        return ids

    def heartbeat(self):
        super().heartbeat()
        self.connection.set(SCHEDULER_HEARTBEAT_KEY, int(time.time()), ex=24 * 3600)
        if self.registered is None or not has_app_context():
            return
        from cwqbo.extensions import db

        try:
            schedule = full_schedule()
            if _signature(schedule) != self.registered:
                log.info("the schedule changed in the database; registering it again")
                self.register(schedule)
        except Exception:  # a database hiccup must not stop the scheduler; next beat retries
            log.exception("could not follow the schedule's changes")
        finally:
            db.session.remove()


def make_scheduler(connection, interval: int = 30) -> HeartbeatScheduler:
    """Return a scheduler that enqueues into the scheduled queue."""
    return HeartbeatScheduler(queue_name=SCHEDULED_QUEUE, connection=connection, interval=interval)


def _settings(config: Mapping | None) -> Mapping:
    if config is not None:
        return config
    return current_app.config if has_app_context() else batch_settings({})


def register_schedule(
    scheduler: Scheduler, schedule=None, config: Mapping | None = None
) -> list[str]:
    """Make the scheduler hold exactly one entry per definition; return the ids.

    ``schedule`` defaults to ``full_schedule()``. ``config`` holds the intervals that
    ``every`` names (default: the current app's, or the defaults outside an app).
    """
    schedule = full_schedule() if schedule is None else schedule
    wanted = {ID_PREFIX + p.id: p for p in schedule}
    for job in scheduler.get_jobs():
        if job.id.startswith(ID_PREFIX):
            # Re-created below from the current definition, so a changed cron line or a
            # removed definition never leaves a stale entry behind.
            scheduler.cancel(job)
    for job_id, p in wanted.items():
        common = {
            "func": "cwqbo.jobs.tasks.run_periodic",
            "args": [p.task],
            "id": job_id,
            "queue_name": SCHEDULED_QUEUE,
            "timeout": p.timeout,
            "description": p.description,
            "repeat": None,
        }
        if p.every or p.interval:
            seconds = p.interval or int(_settings(config)[p.every])
            # First run right away: a batch left by a crash before this restart is resumed.
            first = p.first_at or datetime.now(UTC).replace(tzinfo=None)
            scheduler.schedule(first, interval=seconds, **common)
            log.info("registered periodic %s (every %s s)", job_id, seconds)
        else:
            scheduler.cron(p.cron, **common)
            log.info("registered periodic %s (%s)", job_id, p.cron)
    return sorted(wanted)
