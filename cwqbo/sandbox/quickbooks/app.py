"""Flask app of the QBO sandbox: accounting API under /v3, OAuth, and /_sandbox controls."""

from __future__ import annotations

import copy
import socket
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from werkzeug.serving import WSGIRequestHandler, make_server

from . import faults
from .company import ENTITIES, Company
from .discovery import bp as discovery_bp
from .oauth import bp as oauth_bp
from .query import QueryError
from .state import SandboxState
from .viewer import bp as viewer_bp

api = Blueprint("qbo_api", __name__)
control = Blueprint("qbo_control", __name__, url_prefix="/_sandbox")
BATCH_MAX = 30


def create_sandbox_app(dataset_path: str | Path | None = None, **knobs: Any) -> Flask:
    """Build the sandbox app; ``knobs`` override state.KNOBS (limits, TTLs, faults)."""
    app = Flask(__name__)
    app.config["QBO_SANDBOX_STATE"] = SandboxState(dataset_path, **knobs)
    app.json.sort_keys = False
    app.register_blueprint(oauth_bp)
    app.register_blueprint(discovery_bp)
    app.register_blueprint(api)
    app.register_blueprint(control)
    app.register_blueprint(viewer_bp)
    return app


def serve_in_thread(
    dataset_path: str | Path | None = None, **knobs: Any
) -> tuple[str, Any, SandboxState]:
    """Serve on 127.0.0.1 (random port) in a daemon thread; call ``server.shutdown()`` to stop."""
    app = create_sandbox_app(dataset_path, **knobs)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="qbo-sandbox", daemon=True
    ).start()
    return f"http://127.0.0.1:{server.server_port}", server, app.config["QBO_SANDBOX_STATE"]


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # keep test output readable
        pass


def _state() -> SandboxState:
    return current_app.config["QBO_SANDBOX_STATE"]


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


def _fault_response(f: faults.Fault):
    return jsonify({"Fault": f.fault(), "time": _now()}), f.status


@api.route("/v3/company/<realm>/<path:rest>", methods=["GET", "POST"])
def company_api(realm: str, rest: str):
    state = _state()
    token = request.headers.get("Authorization", "")
    token = token[7:] if token.lower().startswith("bearer ") else ""
    with state.lock:
        owner = state.oauth.check(token)
        company = state.companies.get(realm)
    if owner is None:
        return jsonify(faults.auth_body()), 401
    if owner != realm or company is None:
        return _fault_response(faults.forbidden())
    is_batch = rest.strip("/").lower() == "batch"
    injector = state.faults
    injector.sleep_latency()
    wait = injector.admit(realm)
    if wait:
        return _throttled(f"{wait:g}")
    with state.lock:
        admitted = state.throttle.enter(state.knobs, realm, is_batch)
        state.counts["requests"] += 1
    if not admitted:  # Intuit sends no Retry-After: clients wait 60 s (reference §6)
        return _fault_response(faults.throttle())
    try:
        injected = injector.draw()
        if injected == "429":
            return _throttled(f"{injector.faults.retry_after:g}")
        if injected == "500":
            return _fault_response(faults.system_failure())
        if injector.denied(rest):
            return _fault_response(faults.forbidden())
        if injected == "slow":
            injector.slow()
        try:
            body, status = _dispatch(state, company, rest.strip("/"))
        except Exception:  # never a bare HTML 500: QBO answers a SystemFault body
            current_app.logger.exception("QBO sandbox request failed")
            return _fault_response(faults.system_failure())
        if injected == "drop":
            # The work is done but the client never hears back (outcome unknown).
            sock = request.environ.get("werkzeug.socket")
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
        return jsonify(body), status
    finally:
        with state.lock:
            state.throttle.leave(realm)


def _throttled(retry_after: str):
    body, status = _fault_response(faults.throttle())
    return body, status, {"Retry-After": retry_after}


def _dispatch(state: SandboxState, company: Company, rest: str) -> tuple[dict, int]:
    parts = rest.split("/")
    head = parts[0].lower()
    args = request.args
    try:
        if head == "query":
            text = args.get("query") or request.get_data(as_text=True)
            with state.lock:
                return {"QueryResponse": company.query(text), "time": _now()}, 200
        if head == "cdc" and request.method == "GET":
            return _cdc(state, company), 200
        if request.method == "GET":
            with state.lock:
                if head == "companyinfo":
                    return {"CompanyInfo": copy.deepcopy(company.info), "time": _now()}, 200
                if head == "preferences":
                    return {"Preferences": copy.deepcopy(company.prefs), "time": _now()}, 200
                entity = ENTITIES.get(head)
                if entity is None or len(parts) != 2:
                    raise faults.unsupported(f"Unsupported operation GET {rest}")
                return {entity: company.read(entity, parts[1]), "time": _now()}, 200
        return _write(state, company, head)
    except QueryError as exc:
        return {
            "Fault": faults.Fault(
                exc.code, "Invalid query", exc.detail, kind="ValidationFault"
            ).fault(),
            "time": _now(),
        }, 400
    except faults.Fault as f:
        return {"Fault": f.fault(), "time": _now()}, f.status


def _write(state: SandboxState, company: Company, head: str) -> tuple[dict, int]:
    request_id = request.args.get("requestid")
    with state.lock:
        if request_id and request_id in company.requests:
            state.counts["replays"] += 1
            status, body = company.requests[request_id]
            return copy.deepcopy(body), status
        try:
            data = request.get_json(force=True, silent=True)
            if not isinstance(data, dict):
                raise faults.Fault(
                    "2010",
                    "Request has invalid or unsupported property",
                    "Request body is not a JSON object",
                )
            if head == "batch":
                result: tuple[dict, int] = (_batch(state, company, data), 200)
            else:
                entity = ENTITIES.get(head)
                if entity is None:
                    raise faults.unsupported(f"Unsupported entity {head}")
                op = request.args.get("operation", "")
                options = request.args.get("include", "")
                result = (
                    {entity: _operate(company, entity, op, data, options), "time": _now()},
                    200,
                )
        except faults.Fault as f:
            result = ({"Fault": f.fault(), "time": _now()}, f.status)
        if request_id:
            company.requests[request_id] = (result[1], copy.deepcopy(result[0]))
        state.counts["writes"] += 1
        return result


def _operate(company: Company, entity: str, op: str, data: dict, options: str) -> dict:
    if op == "delete":
        return company.delete(entity, data)
    if op == "void":
        return company.void(entity, data)
    if op == "update" or (op == "" and data.get("Id")):
        return company.update(entity, data, options)
    if op in ("", "create"):
        return company.create(entity, data, options=options)
    raise faults.unsupported(f"Unsupported operation {op}")


def _batch(state: SandboxState, company: Company, data: dict) -> dict:
    items = data.get("BatchItemRequest") or []
    if len(items) > BATCH_MAX:
        raise faults.Fault(
            "1010",
            "Batch request exceeds the limit",
            f"The batch contains {len(items)} items; the maximum is {BATCH_MAX}",
        )
    out = []
    for item in items:
        bid = item.get("bId")
        try:
            if "Query" in item:
                out.append({"bId": bid, "QueryResponse": company.query(item["Query"])})
                continue
            entity = next((ENTITIES[k.lower()] for k in item if k.lower() in ENTITIES), None)
            if entity is None:
                raise faults.unsupported("Batch item has no entity")
            op = item.get("operation", "create")
            opts = item.get("optionsData") or ""
            if op == "update" and "void" in opts.split(","):
                op = "void"
            out.append(
                {
                    "bId": bid,
                    entity: _operate(
                        company,
                        entity,
                        op,
                        item[next(k for k in item if k.lower() == entity.lower())],
                        opts,
                    ),
                }
            )
        except QueryError as exc:
            out.append(
                {"bId": bid, "Fault": faults.Fault(exc.code, "Invalid query", exc.detail).fault()}
            )
        except faults.Fault as f:
            out.append({"bId": bid, "Fault": f.fault()})
        except Exception:  # a sandbox bug fails its item, as QBO's SystemFault does, not the batch
            current_app.logger.exception("batch item %s failed", bid)
            out.append({"bId": bid, "Fault": faults.system_failure().fault()})
    return {"BatchItemResponse": out, "time": _now()}


def _cdc(state: SandboxState, company: Company) -> dict:
    raw = request.args.get("changedSince", "")
    try:
        since = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise faults.Fault("4000", "Invalid query", f"Bad changedSince {raw!r}") from None
    if since.tzinfo is None:
        since = since.astimezone()
    if since < datetime.now().astimezone() - timedelta(days=state.knobs["cdc_max_days"]):
        raise faults.Fault("4000", "Invalid query", "changedSince is more than 30 days ago")
    responses = []
    with state.lock:
        for name in request.args.get("entities", "").split(","):
            entity = ENTITIES.get(name.strip().lower())
            if entity is None:
                continue
            rows = company.changed_since(entity, since)
            if rows:
                responses.append({entity: rows, "startPosition": 1, "maxResults": len(rows)})
    return {"CDCResponse": [{"QueryResponse": responses or [{}]}], "time": _now()}


# --- control endpoints ----------------------------------------------------------------------
@control.get("/state")
def state_dump():
    return jsonify(_state().snapshot())


@control.post("/reset")
def reset():
    state, body = _state(), request.get_json(silent=True) or {}
    state.reset()
    if "faults" in body:
        payload, status = state.faults.control("POST", body["faults"] or {})
        if status != 200:
            return jsonify(payload), status
    return jsonify({"ok": True})


@control.post("/knobs")
def knobs():
    """QBO-only settings (token lifetimes, Intuit's throttle); faults go to /_sandbox/faults."""
    try:
        _state().set_knobs(**(request.get_json(silent=True) or {}))
    except TypeError as exc:
        return jsonify({"error": str(exc)}), 400
    return jsonify(_state().knobs)


@control.route("/faults", methods=["GET", "POST"])
def set_faults():
    """The shared fault knobs (cwqbo.sandbox.faults): same body as the Manage sandbox's."""
    body, status = _state().faults.control(request.method, request.get_json(silent=True) or {})
    return jsonify(body), status


@control.post("/tokens")
def mint_token():
    data = request.get_json(silent=True) or {}
    realm = str(data.get("realm_id", ""))
    if realm not in _state().companies:
        return jsonify({"error": "unknown realm"}), 404
    return jsonify({"access_token": _state().add_token(realm, data.get("access_ttl"))})


@control.post("/tokens/expire")
def expire_tokens():
    with _state().lock:
        _state().oauth.expire_access_tokens()
    return jsonify({"ok": True})


@control.get("/entities/<realm>/<entity>")
def dump_entities(realm: str, entity: str):
    state = _state()
    name = ENTITIES.get(entity.lower())
    with state.lock:
        company = state.companies.get(realm)
        if company is None or name is None:
            return jsonify({"error": "unknown realm or entity"}), 404
        return jsonify(list(company.rows[name].values()))
