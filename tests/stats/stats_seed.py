"""Batches with transactions of several types, states, configurations and dates."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from cwqbo.extensions import db
from cwqbo.models import Batch, BatchTransaction, QBOConfiguration

T = BatchTransaction
STATES = (T.BATCHED, T.SKIPPED, T.FAILED, T.UNBATCHED, T.SELECTED, T.IN_QBO)
KINDS = ("invoices", "expenses", "products")
DAYS = (date(2026, 10, 3), date(2026, 10, 20), date(2026, 11, 2), date(2026, 11, 30))


@dataclass(frozen=True)
class Action:
    tx_id: int
    batch: str
    config_id: int
    kind: str
    state: str
    day: date
    number: str


def seed(app) -> tuple[list[int], list[Action]]:
    """Create two configurations and a few batches of each kind over four days."""
    actions: list[Action] = []
    with app.app_context():
        configs = [QBOConfiguration(name="Acme US"), QBOConfiguration(name="Acme Canada")]
        db.session.add_all(configs)
        db.session.flush()
        states = itertools.cycle(STATES)
        numbers = itertools.count(1000)
        for n, (config, kind, day) in enumerate(itertools.product(configs, KINDS, DAYS)):
            if (n * 7) % 5 == 0:
                continue  # not every combination has batches: zeros must show as zeros
            batch = Batch(
                kind=kind,
                config_id=config.id,
                created_at=datetime.combine(day, datetime.min.time()).replace(hour=n % 24),
                status=Batch.SUCCEEDED,
            )
            db.session.add(batch)
            db.session.flush()
            batch.assign_identifier()
            for position in range(1 + n % 4):
                number = f"{kind[0].upper()}{next(numbers)}"
                tx = T(
                    batch_id=batch.id,
                    position=position,
                    kind=kind,
                    manage_id=f"{batch.id}-{position}",
                    number=number,
                    party=f"Customer {position}",
                    total=Decimal("10.00") * (position + 1),
                    state=next(states),
                )
                db.session.add(tx)
                db.session.flush()
                actions.append(
                    Action(tx.id, batch.identifier, config.id, kind, tx.state, day, number)
                )
        db.session.commit()
        return [c.id for c in configs], actions
