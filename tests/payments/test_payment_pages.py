"""Run Payment Sync dialog, the run's status page (the batches' page and fragment), the
time-of-day setting and the Review page's payment-sync listing."""

from __future__ import annotations

from decimal import Decimal

from cwqbo.extensions import db
from cwqbo.models import Batch, PaymentSyncSetting


def test_run_payment_sync_from_the_dialog(transferred, connected, app, run_jobs):
    web = connected
    dialog = web.get("/payments/run")
    assert dialog.status_code == 200
    page = dialog.get_data(as_text=True)
    assert "Choose the QuickBooks Online configuration to sync payments from" in page
    assert 'name="config_id"' in page
    transferred.pay({"10002": Decimal("100.00")}, day="2026-11-10")
    started = web.post("/payments/run", {"config_id": "1"})
    assert started.status_code == 302
    status_url = started.headers["Location"]
    assert "/batches/PAY-" in status_url
    waiting = web.get(status_url).get_data(as_text=True)
    assert "Waiting to start" in waiting and "hx-trigger" in waiting
    # A second OK while it waits opens the same run instead of starting another.
    again = web.post("/payments/run", {"config_id": "1"})
    assert again.headers["Location"] == status_url
    run_jobs()
    done = web.get(status_url).get_data(as_text=True)
    assert "Completed Successfully" in done and "hx-trigger" not in done
    assert "Payments written to ConnectWise" in done
    assert "In step with QuickBooks" in done
    assert "Unbatch" not in done
    assert transferred.manage("10002")["paid"] == Decimal("100.00")
    log = web.get(status_url + "/log.txt")
    assert log.status_code == 200 and b"Payment sync" in log.data
    review = web.get("/batches/review?kind=payments").get_data(as_text=True)
    assert status_url.rsplit("/", 1)[1] in review and "Payment sync" in review
    assert "Daily at (UTC)" in review and "02:00" in review


def test_the_dialog_names_what_is_wrong(connected, app):
    web = connected
    missing = web.post("/payments/run", {"config_id": "999"})
    assert missing.status_code == 400
    assert "Choose the QuickBooks Online configuration" in missing.get_data(as_text=True)
    garbage = web.post("/payments/run", {"config_id": "1; drop"})
    assert garbage.status_code == 400


def test_an_unconnected_configuration_is_refused(admin, app):
    page = admin.get("/payments/run").get_data(as_text=True)
    assert "No QuickBooks Online configuration is connected" in page
    refused = admin.post("/payments/run", {"config_id": "1"})
    assert refused.status_code == 400
    assert "is not connected to QuickBooks Online" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Batch)) == 0


def test_time_of_day_setting(connected, app):
    web = connected
    page = web.get("/payments/").get_data(as_text=True)
    assert 'value="02:00"' in page and "Next scheduled run" in page
    bad = web.post("/payments/1/time", {"time_of_day": "25:00"})
    assert bad.status_code == 400
    assert "is not a time of day" in bad.get_data(as_text=True)
    good = web.post("/payments/1/time", {"time_of_day": "6:30"})
    assert good.status_code == 302
    with app.app_context():
        assert db.session.get(PaymentSyncSetting, 1).time_of_day == "06:30"
    assert "06:30 UTC" in web.get("/payments/").get_data(as_text=True)
