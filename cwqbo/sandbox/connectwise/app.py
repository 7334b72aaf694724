"""Flask app of the Manage sandbox: auth, faults, discovery and control endpoints.

``create_sandbox_app(dataset_path=None, **knobs)`` builds it; ``serve_in_thread()`` runs it
on 127.0.0.1 with a random port for tests and demo mode.
"""

from __future__ import annotations

import base64
import binascii
import json
import socket
import threading
import time
from typing import Any

from flask import Flask, Response, request
from werkzeug.serving import BaseWSGIServer, make_server

from cwqbo.connectwise import assumptions

from .faults import FaultInjector, injector_for
from .routes import dispatch
from .state import ManageState, SandboxError
from .viewer import bp as viewer_bp

MEDIA_TYPE = f"application/vnd.connectwise.com+json; version={assumptions.API_VERSION}"
API_MARK = "/apis/3.0/"


def _json(payload: Any, status: int = 200, headers: dict | None = None) -> Response:
    body = "" if payload is None else json.dumps(payload, ensure_ascii=False)
    mimetype = "application/json" if payload is not None else None
    return Response(body, status=status, headers=headers or {}, mimetype=mimetype)


def _error(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    return _json({"code": code, "message": message}, status, headers)


def _check_auth(state: ManageState) -> Response | None:
    if not request.headers.get("clientId"):
        return _error(
            assumptions.MISSING_CLIENT_ID_STATUS,
            "Unauthorized",
            "A clientId header is required. Register one at "
            "https://developer.connectwise.com/ClientID",
        )
    client_id = request.headers["clientId"]
    if client_id not in state.client_ids:  # Manage answers 400 naming clientId (reference §1.1)
        return _error(
            assumptions.UNREGISTERED_CLIENT_ID_STATUS,
            "InvalidClientId",
            "The clientId header is not a registered client id. Register one at "
            "https://developer.connectwise.com/ClientID",
        )
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    try:
        user, _, password = base64.b64decode(token).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        user = password = ""
    creds = state.credentials
    expected_user = f"{creds['companyId']}+{creds['publicKey']}"
    if (
        scheme.lower() != "basic"
        or user.lower() != expected_user.lower()
        or password != creds["privateKey"]
    ):
        return _error(401, "Unauthorized", "Authentication failed.")
    return None


def _drop_connection() -> Response:
    sock = request.environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionAbortedError("sandbox dropped the connection")


def create_sandbox_app(dataset_path: Any = None, **knobs: Any) -> Flask:
    """Build the Manage sandbox app; ``knobs`` are :class:`Faults` fields."""
    app = Flask(__name__)
    state = ManageState(dataset_path)
    injector = injector_for(knobs)
    app.extensions["cw_sandbox"] = {"state": state, "faults": injector}
    app.register_blueprint(viewer_bp)

    @app.get("/login/companyinfo/<company>")
    def companyinfo(company: str) -> Response:
        _latency(injector)
        if company.lower() != str(state.company_info.get("CompanyID", "")).lower():
            return Response("", status=assumptions.COMPANYINFO_UNKNOWN_STATUS)
        return _json(state.company_info)

    @app.get("/_sandbox/state")
    def dump() -> Response:
        return _json(
            {
                **state.dump(),
                "faults": injector.faults.as_dict(),
                "faultCounts": dict(injector.counts),
            }
        )

    @app.post("/_sandbox/reset")
    def reset() -> Response:
        body = request.get_json(silent=True) or {}
        state.reset(body.get("dataset"))
        try:
            state.set_export_id_fields(body.get("exportIdFields") or {})
        except SandboxError as exc:
            return _json(exc.body(), exc.status)
        single = body.get("singlePaymentPerInvoice")
        if single is not None and not isinstance(single, bool):
            return _json({"message": "singlePaymentPerInvoice must be true or false."}, 400)
        state.single_payment_per_invoice = single
        if "faults" in body:
            payload, status = injector.control("POST", body["faults"] or {})
            if status != 200:
                return _json(payload, status)
        return _json({"ok": True})

    @app.route("/_sandbox/faults", methods=["GET", "POST"])
    def faults() -> Response:
        return _json(*injector.control(request.method, request.get_json(silent=True) or {}))

    @app.route(
        "/<codebase>/apis/3.0/<path:api_path>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"]
    )
    def api(codebase: str, api_path: str) -> Response:
        _latency(injector)
        wait = injector.admit()
        if wait:
            retry = {"Retry-After": f"{wait:g}"}
            return _error(429, "TooManyRequests", "Rate limit exceeded.", retry)
        fault = injector.draw()
        if fault == "drop":
            return _drop_connection()
        if fault == "429":
            retry = injector.faults.retry_after
            return _error(
                429, "TooManyRequests", "Rate limit exceeded.", {"Retry-After": f"{retry:g}"}
            )
        if fault == "500":
            return _error(500, "UnexpectedError", "An unexpected error occurred (timeout).")
        if fault == "slow":
            time.sleep(injector.faults.slow_ms / 1000)
        denied = _check_auth(state)
        if denied is not None:
            return denied
        if injector.denied(api_path):
            return _error(
                403, "Forbidden", "You do not have permission to access this functionality."
            )
        body = request.get_json(silent=True) if request.data else None
        if request.data and body is None:
            return _error(400, "InvalidObject", "Request body is not valid JSON.")
        try:
            status, payload, headers = dispatch(
                state,
                request.method,
                api_path,
                request.args.to_dict(),
                body,
                request.base_url,
                forward_only=request.headers.get("pagination-type", "").lower() == "forward-only",
            )
        except SandboxError as exc:
            return _json(exc.body(), exc.status)
        response = _json(payload, status, headers)
        if payload is not None:
            response.headers["Content-Type"] = MEDIA_TYPE
        response.headers["api-current-version"] = assumptions.API_VERSION
        return response

    return app


def _latency(injector: FaultInjector) -> None:
    if injector.faults.latency_ms:
        time.sleep(injector.faults.latency_ms / 1000)


def serve_in_thread(
    dataset_path: Any = None, port: int = 0, **knobs: Any
) -> tuple[str, BaseWSGIServer, ManageState]:
    """Serve the sandbox on 127.0.0.1 in a daemon thread; return (base_url, server, state).

    Stop it with ``server.shutdown()``. The site to give the client is ``base_url``.
    """
    app = create_sandbox_app(dataset_path, **knobs)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="cw-sandbox", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    return base_url, server, app.extensions["cw_sandbox"]["state"]


def sandbox_faults(server: BaseWSGIServer) -> FaultInjector:
    """Return the fault injector of a server started by :func:`serve_in_thread`."""
    return server.app.extensions["cw_sandbox"]["faults"]
