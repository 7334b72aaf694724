"""Fixtures for the audit log: both sandboxes connected and a worker, as for batches."""

from __future__ import annotations

from connected_fixtures import app_config, connected, run_jobs  # noqa: F401 (fixtures)
