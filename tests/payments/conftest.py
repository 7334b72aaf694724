"""Fixtures for payment sync: both sandboxes connected, three invoices really transferred."""

from __future__ import annotations

import pytest
from connected_fixtures import app_config, connected, run_jobs  # noqa: F401 (fixtures)


@pytest.fixture(params=["multiple", "single"])
def mode(request, app, manage):
    """Both payment modes: one Manage payment per QBO payment, or one summed payment on a
    Manage that refuses a second payment per invoice."""
    single = request.param == "single"
    manage[1].single_payment_per_invoice = single
    app.config["PAYMENTS_MULTIPLE_PER_INVOICE"] = not single
    return request.param


@pytest.fixture
def transferred(app, connected, manage, run_jobs):  # noqa: F811 (fixtures)
    """Invoices 10002, 10003 and 10012 (one customer) transferred through a real batch."""
    from payments_support import Books, transfer

    batch_id = transfer(app, run_jobs, 10002, 10003, 10012)
    return Books(app, manage[1], batch_id)
