"""Fixtures for payment sync: both sandboxes connected, three invoices really transferred."""

from __future__ import annotations

import pytest
from support import QBO_US_REALM, connect_qbo, qbo_settings


@pytest.fixture
def app_config(app_config, qbo_server):
    fast = {"QBO_THROTTLE_WAIT": 0, "API_RETRY_BACKOFF": 0.01}
    return {**app_config, **qbo_settings(qbo_server[0]), **fast}


@pytest.fixture
def connected(admin, manage):
    connect_qbo(admin, config_id=1, realm=QBO_US_REALM)
    return admin


@pytest.fixture
def run_jobs(app):
    from cwqbo.jobs.worker import run_worker

    def do():
        return run_worker(app, burst=True)

    return do


@pytest.fixture(params=["multiple", "single"])
def mode(request, app, manage):
    """Both payment modes: one Manage payment per QBO payment, or one summed payment on a
    Manage that refuses a second payment per invoice."""
    single = request.param == "single"
    manage[1].single_payment_per_invoice = single
    app.config["PAYMENTS_MULTIPLE_PER_INVOICE"] = not single
    return request.param


@pytest.fixture
def transferred(app, connected, manage, run_jobs):
    """Invoices 10002, 10003 and 10012 (one customer) transferred through a real batch."""
    from payments_support import Books, transfer

    batch_id = transfer(app, run_jobs, 10002, 10003, 10012)
    return Books(app, manage[1], batch_id)
