"""Run the Manage sandbox: ``python -m cwqbo.sandbox.connectwise --port 5555``."""

from __future__ import annotations

import argparse

from werkzeug.serving import run_simple

from .app import create_sandbox_app


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve the sandbox on 127.0.0.1 until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m cwqbo.sandbox.connectwise")
    parser.add_argument("--port", type=int, default=5555)
    parser.add_argument("--dataset", help="dataset JSON (default: the packaged sample)")
    parser.add_argument("--latency-ms", type=int)
    parser.add_argument("--rate-429", type=float)
    parser.add_argument("--retry-after", type=float)
    parser.add_argument("--rate-500", type=float)
    parser.add_argument("--rate-drop", type=float)
    parser.add_argument("--rate-slow", type=float)
    parser.add_argument("--slow-ms", type=int)
    parser.add_argument("--deny", help="comma-separated endpoints to answer with 403")
    parser.add_argument("--seed", type=int)
    args = parser.parse_args(argv)
    knobs = {k: v for k, v in vars(args).items() if k not in ("port", "dataset")}
    app = create_sandbox_app(args.dataset, **{k: v for k, v in knobs.items() if v is not None})
    print(
        f"Manage sandbox: site http://127.0.0.1:{args.port}  company id "
        f"{app.extensions['cw_sandbox']['state'].company_info['CompanyID']}"
    )
    run_simple("127.0.0.1", args.port, app, threaded=True)


if __name__ == "__main__":
    main()
