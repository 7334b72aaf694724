"""The web process's access log (gunicorn, as the Procfile runs it) never holds the token of
an e-mailed link: not in the request line, the path, nor the Referer of the page's assets."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import requests
from support import free_port, wait_for

REPO = Path(__file__).resolve().parents[2]
TOKEN = "eyJ1aWQiOjF9.secret-link-token_123"


def procfile_web_options() -> list[str]:
    """Return the logging options of the Procfile's web line (so the test follows it)."""
    line = next(ln for ln in (REPO / "Procfile").read_text().splitlines() if ln.startswith("web:"))
    words = shlex.split(line.removeprefix("web:"))
    keep = []
    for i, word in enumerate(words):
        if word in ("--logger-class", "--access-logformat"):
            keep += [word, words[i + 1]]
    return keep


def test_link_tokens_never_reach_the_access_log(app_config, tmp_path):
    port, log = free_port(), tmp_path / "access.log"
    env = {
        **os.environ,
        "CWQBO_INSTANCE": app_config["INSTANCE_PATH"],
        "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app_config["REDIS_URL"],
    }
    cmd = [sys.executable, "-m", "gunicorn", "--no-control-socket", "--workers", "1"]
    cmd += ["--bind", f"127.0.0.1:{port}", "--access-logfile", str(log)]
    cmd += [*procfile_web_options(), "cwqbo:create_app()"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(base), 30, "gunicorn to answer")
        for path in ("reset", "verify", "accept"):
            requests.get(f"{base}/auth/{path}/{TOKEN}", timeout=10, allow_redirects=False)
        requests.get(
            f"{base}/static/css/cwqbo.css",
            headers={"Referer": f"{base}/auth/reset/{TOKEN}"},
            timeout=10,
        )
        text = wait_for(lambda: _lines(log, 5), 15, "the access log lines")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert TOKEN not in text and "secret-link-token" not in text
    for path in ("reset", "verify", "accept"):
        assert re.search(rf"GET /auth/{path}/\[redacted\] HTTP", text), text
    assert f'"{base}/auth/reset/[redacted]"' in text  # the Referer, struck too


def _answers(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=2).status_code in (200, 503)
    except requests.ConnectionError:
        return False


def _lines(log: Path, count: int) -> str | None:
    text = log.read_text() if log.exists() else ""
    return text if len(text.splitlines()) >= count else None
