"""What the sample tenant's document builders share: the build context, dates, references."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field

from . import sample_reference as ref

START = dt.date(2025, 5, 1)


@dataclass
class Context:
    rng: random.Random
    companies: list[dict]
    members: list[dict]
    gl_ids: itertools.count = field(default_factory=lambda: itertools.count(77001))

    def company(self, cid: int) -> dict:
        return next(c for c in self.companies if c["id"] == cid)


def iso(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def cref(company: dict) -> dict:
    return {"id": company["id"], "identifier": company["identifier"], "name": company["name"]}


def money(x: float) -> float:
    return round(x + 1e-9, 2)


GL_NAME = {g[0]: g[1] for g in ref.GL_ACCOUNTS}
CATALOG = {c[1]: c for c in ref.CATALOG}
TYPES = {t[0]: t for t in ref.PRODUCT_TYPES}
TERMS = {t[0]: t for t in ref.BILLING_TERMS}
