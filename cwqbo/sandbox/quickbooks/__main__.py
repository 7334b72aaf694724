"""Run the QBO sandbox: ``python -m cwqbo.sandbox.quickbooks --port 5556``."""

from __future__ import annotations

import argparse
import json

from werkzeug.serving import run_simple

from .app import create_sandbox_app


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve on 127.0.0.1 until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m cwqbo.sandbox.quickbooks")
    parser.add_argument("--port", type=int, default=5556)
    parser.add_argument("--dataset", default=None, help="JSON dataset (QUICKBOOKS_DATASET.md)")
    parser.add_argument(
        "--knobs",
        default="{}",
        help='JSON, e.g. {"throttle_per_minute": 100, "rate_500": 0.1} (QUICKBOOKS_DATASET.md)',
    )
    args = parser.parse_args(argv)
    app = create_sandbox_app(args.dataset, **json.loads(args.knobs))
    print(f"QBO sandbox on http://127.0.0.1:{args.port}  (state: /_sandbox/state)")
    run_simple("127.0.0.1", args.port, app, threaded=True)


if __name__ == "__main__":
    main()
