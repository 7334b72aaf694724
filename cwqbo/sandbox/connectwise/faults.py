"""Fault knobs of the Manage sandbox: the shared mechanism of ``cwqbo.sandbox.faults``.

Knob names, ``POST /_sandbox/faults`` and its body are the same as the QBO sandbox's; the
environment variables are ``SANDBOX_<KNOB>`` or ``CW_SANDBOX_<KNOB>``. Manage renders the
faults as Manage (behind Cloudflare) does: 429 ``TooManyRequests`` with ``Retry-After``, 500
``UnexpectedError``, 403 ``Forbidden`` for denied endpoints; a drop closes the connection
before any work is done.
"""

from __future__ import annotations

from typing import Any

from cwqbo.sandbox.faults import FAULT_NAMES, FaultInjector, Faults

ENV_PREFIX = "CW_SANDBOX_"

__all__ = ["ENV_PREFIX", "FAULT_NAMES", "FaultInjector", "Faults", "injector_for"]


def injector_for(knobs: dict[str, Any]) -> FaultInjector:
    """Return the Manage sandbox's injector: environment first, then ``knobs``."""
    return FaultInjector.from_settings(ENV_PREFIX, knobs)
