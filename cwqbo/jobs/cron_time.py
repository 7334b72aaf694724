"""When a cron entry runs next: the line read in UTC, the way cwqbo's schedule means it.

rq-scheduler 0.14 asks ``crontab`` for the next time with a naive local ``datetime.now()``
(``rq_scheduler/utils.py``): crontab then prints a FutureWarning at every cron registration
and every cron run (rq/rq-scheduler#299, unreleased fix #324), and on a host whose local
zone is not UTC a line such as "23 6 * * *" runs at 06:23 local time, not 06:23 UTC.
Passing an aware UTC time is crontab's documented way to get neither.
"""

from __future__ import annotations

from datetime import UTC, datetime

import crontab
from rq_scheduler import scheduler as rq_scheduler_module


def next_cron_time(cron_string: str, use_local_timezone: bool = False) -> datetime:
    """Return the next time ``cron_string`` matches after now, aware (UTC unless local)."""
    now = datetime.now(UTC)
    if use_local_timezone:
        now = now.astimezone()  # this host's zone
    return crontab.CronTab(cron_string).next(now=now, return_datetime=True).astimezone(now.tzinfo)


def use_utc_cron_times() -> None:
    """Make rq-scheduler compute its cron times with ``next_cron_time`` (same signature)."""
    rq_scheduler_module.get_next_scheduled_time = next_cron_time
