"""Fixtures for custom modules: test distributions found through the real entry points."""

from __future__ import annotations

from pathlib import Path

import pytest
from connected_fixtures import app_config, connected, run_jobs  # noqa: F401 (fixtures)

from cwqbo import modules

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_SRC = REPO / "examples" / "cwqbo_example_module" / "src"


@pytest.fixture
def install(tmp_path, monkeypatch):
    """Install distributions on sys.path (a dist-info with entry_points.txt, as pip does).

    ``install("name", {"entry": "module.path"}, sources={"module.py": "code"})``; the
    modules of this process are loaded again afterwards without them.
    """
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))

    def do(dist: str, entries: dict[str, str], sources: dict[str, str] | None = None):
        info = site / f"{dist}-0.1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1.0\n")
        lines = "".join(f"{name} = {target}\n" for name, target in entries.items())
        (info / "entry_points.txt").write_text(f"[{modules.GROUP}]\n{lines}")
        for filename, code in (sources or {}).items():
            (site / filename).write_text(code)
        return modules.reload()

    yield do
    monkeypatch.undo()
    modules.reload()


@pytest.fixture
def example_module(install, monkeypatch):
    """The repo's example module, found by its entry point like a pip-installed one."""
    monkeypatch.syspath_prepend(str(EXAMPLE_SRC))
    return install("cwqbo_example_module", {"example": "cwqbo_example_module"})
