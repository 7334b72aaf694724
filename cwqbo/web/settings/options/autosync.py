"""The AutoSync tab of a configuration (spec J1): on/off, kinds, interval, location.

Saving it registers the schedule again, so turning AutoSync on or off, or changing its
interval, updates the configuration's one scheduled entry (stable id) at once.
"""

from __future__ import annotations

import logging

from flask import flash

from cwqbo.extensions import db
from cwqbo.models import AutoSyncSetting, QBOConfiguration
from cwqbo.models.autosync import DEFAULT_INTERVAL
from cwqbo.options.fields import BOOL, REF, TEXT, Field, TabSpec
from cwqbo.options.lists import MANAGE_LOCATIONS
from cwqbo.web.settings.options.common import render_tab, save_tab
from cwqbo.web.settings.tabs import tab, tab_save

log = logging.getLogger(__name__)
MIN_INTERVAL, MAX_INTERVAL = 5, 7 * 24 * 60  # minutes
KIND_FIELDS = {
    "kind_invoices": "invoices",
    "kind_expenses": "expenses",
    "kind_inventory": "inventory",
    "kind_payments": "payments",
}


def interval_rules(values: dict, saved: dict, company) -> dict[str, str]:
    """Check the interval is whole minutes in range, and that an AutoSync that is on has kinds."""
    errors = {}
    text = values["interval_minutes"]
    if not text.isdigit() or not MIN_INTERVAL <= int(text) <= MAX_INTERVAL:
        errors["interval_minutes"] = (
            f"{text!r} is not an interval AutoSync can use: give whole minutes from "
            f"{MIN_INTERVAL} to {MAX_INTERVAL} (a week), like {DEFAULT_INTERVAL}."
        )
    if values["enabled"] and not any(values[name] for name in KIND_FIELDS):
        errors["enabled"] = "Tick at least one kind to send, or leave AutoSync off."
    return errors


class AutoSyncSpec(TabSpec):
    """The AutoSync tab: its values live in AutoSyncSetting, not in the options row."""

    def values_from(self, options, config) -> dict:
        setting = db.session.get(AutoSyncSetting, config.id)
        kinds = setting.kinds if setting is not None else []
        location = None
        if setting is not None and setting.location_id:
            location = (setting.location_id, setting.location_name or setting.location_id)
        return {
            "enabled": bool(setting and setting.enabled),
            **{name: kind in kinds for name, kind in KIND_FIELDS.items()},
            "interval_minutes": str(setting.interval_minutes if setting else DEFAULT_INTERVAL),
            "location": location,
        }

    def apply(self, options, config, values) -> None:
        setting = AutoSyncSetting.of(config.id)
        setting.enabled = values["enabled"]
        setting.kinds = [kind for name, kind in KIND_FIELDS.items() if values[name]]
        setting.interval_minutes = int(values["interval_minutes"])
        setting.location_id, setting.location_name = values["location"] or (None, None)


AUTOSYNC_TAB = AutoSyncSpec(
    "autosync",
    "AutoSync",
    95,
    (
        Field("enabled", "AutoSync on", BOOL),
        Field("kind_invoices", "Invoices", BOOL),
        Field("kind_expenses", "Expenses", BOOL),
        Field("kind_inventory", "Inventory (item receipts)", BOOL),
        Field("kind_payments", "Payments (a payment sync)", BOOL),
        Field("interval_minutes", "Every (minutes)", TEXT, required=True, max_length=20),
        Field("location", "Only this Manage billing location", REF, source=MANAGE_LOCATIONS),
    ),
    interval_rules,
)


def parked_rows(config: QBOConfiguration) -> list:
    from cwqbo.models import ParkedTransaction

    return db.session.scalars(
        db.select(ParkedTransaction)
        .where(ParkedTransaction.config_id == config.id)
        .order_by(ParkedTransaction.parked_at.desc())
        .limit(50)
    ).all()


@tab("autosync", "AutoSync", order=95)
def autosync_tab(config: QBOConfiguration, **kw) -> str:
    return render_tab(config, AUTOSYNC_TAB, parked=parked_rows(config), **kw)


@tab_save("autosync")
def save_autosync(config: QBOConfiguration):
    result = save_tab(config, AUTOSYNC_TAB, autosync_tab)
    if not isinstance(result, tuple):  # saved: the schedule follows the new settings now
        from cwqbo.jobs.schedule import reschedule_payment_sync

        try:
            reschedule_payment_sync()  # registers the whole schedule, AutoSync entries too
        except Exception:  # Redis down: the scheduler registers it when it next starts
            log.exception("could not update the schedule after saving AutoSync")
            flash(
                "Saved, but the schedule could not be updated now; it is at the "
                "scheduler's next start.",
                "error",
            )
    return result
