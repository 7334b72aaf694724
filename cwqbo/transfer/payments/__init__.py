"""Payment sync back into Manage (spec E, J4): no Flask, no RQ; clients and a store passed in.

- ``reading``: what changed in QBO (CDC within the 30-day look-back, else a full read)
- ``plan``: what each Manage invoice should hold (one payment per QBO payment, or one summed)
- ``writing``: the Manage writes, exactly once across crashes
- ``sync``: one run over a configuration's transferred invoices
"""

from cwqbo.transfer.payments.plan import Entry, Link, Transferred
from cwqbo.transfer.payments.sync import PaymentSync, SyncOutcome

__all__ = ["Entry", "Link", "PaymentSync", "SyncOutcome", "Transferred"]
