"""When each configuration's payment sync runs: its time of day (UTC) and the next run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from cwqbo.batches.payment_run import last_run
from cwqbo.extensions import db
from cwqbo.models import Batch, QBOConfiguration
from cwqbo.models.payment import DEFAULT_TIME_OF_DAY, PaymentSyncSetting

TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class BadTimeOfDay(ValueError):
    """The time of day is not HH:MM (24-hour, UTC)."""


def parse_time_of_day(value: str) -> str:
    """Return a valid "HH:MM" (24-hour) or raise BadTimeOfDay naming what is wrong."""
    text = (value or "").strip()
    if re.fullmatch(r"\d:\d\d", text):
        text = "0" + text
    if not TIME_OF_DAY.match(text):
        raise BadTimeOfDay(
            f"{value!r} is not a time of day: give hours and minutes on the 24-hour clock, "
            "in UTC, like 02:00 or 23:30."
        )
    return text


def time_of_day(config_id: int) -> str:
    setting = db.session.get(PaymentSyncSetting, config_id)
    return setting.time_of_day if setting is not None else DEFAULT_TIME_OF_DAY


def cron_line(hhmm: str) -> str:
    """Return the daily cron line (UTC) of a time of day."""
    hours, minutes = hhmm.split(":")
    return f"{int(minutes)} {int(hours)} * * *"


def next_run(hhmm: str, now: datetime | None = None) -> datetime:
    """Return the next moment (aware UTC) the daily run at ``hhmm`` UTC starts."""
    now = now or datetime.now(UTC)
    hours, minutes = (int(p) for p in hhmm.split(":"))
    today = datetime.combine(now.date(), time(hours, minutes), tzinfo=UTC)
    return today if today > now else today + timedelta(days=1)


@dataclass
class ConfigSchedule:
    config: QBOConfiguration
    time_of_day: str
    next_run: datetime | None
    last_run: Batch | None


def schedules() -> list[ConfigSchedule]:
    """Return each configuration's payment-sync schedule and last run, for the pages."""
    out = []
    for config in QBOConfiguration.ordered():
        hhmm = time_of_day(config.id)
        out.append(
            ConfigSchedule(
                config,
                hhmm,
                next_run(hhmm) if config.is_connected else None,
                last_run(config.id),
            )
        )
    return out
