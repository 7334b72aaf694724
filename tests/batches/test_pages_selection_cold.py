"""The selection page cold (empty cache) with Manage's latency, and lists that change under it.

Real HTTP to the Manage sandbox with ``latency_ms`` on every call; a WSGI recorder on the
sandbox notes when each API call arrived and was answered, so the tests assert the number
of Manage round trips the page waits for one after the other (not wall time, which a loaded
machine bends). A transaction batched (or unbatched) in Manage between the count and the
page reads is played by the recorder too: it changes the sandbox's state right after it
answered a ``/count``.
"""

from __future__ import annotations

import threading
import time

import pytest
from pages_support import HX, SELECT_URL, hidden, row_ids, sample_invoices, text

from cwqbo.sandbox.connectwise import Faults
from cwqbo.sandbox.connectwise.scale import scaled_dataset

ROWS_URL = SELECT_URL + "/rows"
LATENCY_MS = 150


class Recorder:
    """Note (path, arrived, answered) of each Manage API call; run ``after_count`` hooks."""

    def __init__(self, app) -> None:
        self.app, self.lock, self.calls = app, threading.Lock(), []
        self.after_count = None  # called with the number of /count calls answered so far
        self.counts = 0

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if "/apis/3.0/" not in path:
            return self.app(environ, start_response)
        arrived = time.monotonic()
        answer = self.app(environ, start_response)  # Flask has built the body by now
        with self.lock:
            self.calls.append((path.split("/apis/3.0/", 1)[1], arrived, time.monotonic()))
            if path.endswith("/unpostedinvoices/count"):
                self.counts += 1
                if self.after_count is not None:
                    self.after_count(self.counts)
        return answer

    def clear(self) -> None:
        with self.lock:
            self.calls, self.counts = [], 0

    def depth(self) -> int:
        """The longest chain of calls, each sent only after the one before was answered."""
        chain: list[tuple[float, int]] = []
        for _path, arrived, answered in sorted(self.calls, key=lambda c: c[2]):
            before = [n for end, n in chain if end <= arrived]
            chain.append((answered, 1 + max(before, default=0)))
        return max((n for _, n in chain), default=0)

    def most_in_flight(self) -> int:
        edges = sorted([(a, 1) for _, a, _ in self.calls] + [(b, -1) for _, _, b in self.calls])
        most = now = 0
        for _, step in edges:
            now += step
            most = max(most, now)
        return most


@pytest.fixture
def recorder(cw_server, manage):
    server = cw_server[1]
    original = server.app.wsgi_app
    rec = Recorder(original)
    server.app.wsgi_app = rec
    yield rec
    server.app.wsgi_app = original


def form(**values) -> dict:
    return {"mode": "transfer", "config_id": "1", "location_id": "", **values}


def set_batched(state, row_id: int, batched: bool) -> None:
    """Batch (or unbatch) one unposted invoice in the sandbox, as someone in Manage would."""
    with state.lock:
        for gl in state.docs["invoices"][row_id]["glIds"]:
            if batched:
                state.batched[gl] = 999_999
            else:
                state.batched.pop(gl, None)


def test_cold_page_waits_for_one_round_trip_and_the_rest_for_one_more(connected, manage, recorder):
    manage[1].reset(scaled_dataset(5000))
    ids = [str(r["id"]) for r in sample_invoices(manage[1])]
    manage[2].configure(Faults(latency_ms=LATENCY_MS))
    recorder.clear()

    started = time.monotonic()
    page = connected.get(SELECT_URL)
    page_s = time.monotonic() - started
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # The first 100 rows, the count and the locations: one round trip, side by side (the
    # sequential code waited for six: five pages of 1,000 and the locations).
    assert row_ids(html) == ids[:100]
    assert "5,000 unposted" in text(html) and "100 of 5,000 shown" in html
    assert "Loading the rest…" in html
    assert recorder.depth() == 1, recorder.calls
    assert page_s < 6 * LATENCY_MS / 1000 + 5  # six latencies is the old floor; log-only

    recorder.clear()
    rest = connected.post(ROWS_URL, form(shown=ids[:100]), headers=HX)
    body = rest.get_data(as_text=True)
    assert rest.status_code == 200
    assert "Load 100 more" in body and "100 of 5,000 shown" in body
    # The five pages at once, on the count the first page came with (the old code: five
    # pages one after the other).
    pages = [c for c in recorder.calls if c[0].endswith("unpostedinvoices")]
    assert len(pages) == 5 and len(recorder.calls) == 5, recorder.calls
    assert recorder.depth() == 1, recorder.calls
    assert recorder.most_in_flight() == 5

    recorder.clear()
    selected = connected.post(ROWS_URL, form(action="select_all"), headers=HX)
    assert "All 5,000 matching invoices are selected." in text(selected.get_data(as_text=True))
    assert recorder.calls == []  # the whole list is cached


def test_a_list_that_changes_between_count_and_pages_is_read_again(connected, manage, recorder):
    manage[1].reset(scaled_dataset(2500))
    invoices = sample_invoices(manage[1])
    gone = invoices[10]["id"]  # on page 1: pages 2 and 3 shift by one when it is batched

    def batch_once(counts: int) -> None:
        if counts == 1:
            set_batched(manage[1], gone, True)

    recorder.after_count = batch_once
    response = connected.post(ROWS_URL, form(action="select_all", refresh="1"), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert recorder.counts == 2  # the first read did not add up: read once more
    assert 'id="selection-warning"' not in html
    assert "All 2,499 matching invoices are selected." in text(html)

    # The submitted selection is exactly Manage's list now: none missing, none twice.
    expected = [str(r["id"]) for r in invoices if r["id"] != gone]
    confirm = connected.post(
        "/batches/mark-exported/invoices", form(mode="mark_exported", select_all="1")
    )
    assert hidden(confirm.get_data(as_text=True), "ids") == expected


def test_a_list_that_keeps_changing_is_shown_with_a_loud_warning(connected, manage, recorder):
    manage[1].reset(scaled_dataset(2500))
    flip = sample_invoices(manage[1])[10]["id"]

    def toggle(counts: int) -> None:  # batched after one count, back after the next
        set_batched(manage[1], flip, counts % 2 == 1)

    recorder.after_count = toggle
    response = connected.post(ROWS_URL, form(action="select_all", refresh="1"), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert recorder.counts == 2  # read twice, then said
    warning = html.split('id="selection-warning"')[1].split("</div>")[0]
    assert "changed while cwqbo read it, twice" in warning
    assert "Press Refresh" in warning
    listed = row_ids(html)
    assert len(listed) == len(set(listed))  # never a row twice

    # The warning stays with the cached list, and Refresh reads a quiet list cleanly.
    page = connected.post(ROWS_URL, form(), headers=HX).get_data(as_text=True)
    assert 'id="selection-warning"' in page
    recorder.after_count = None
    set_batched(manage[1], flip, False)
    fresh = connected.post(ROWS_URL, form(action="select_all", refresh="1"), headers=HX)
    body = fresh.get_data(as_text=True)
    assert 'id="selection-warning"' not in body
    assert "All 2,500 matching invoices are selected." in text(body)


@pytest.mark.parametrize(
    ("kind", "path", "count"),
    [("expenses", "unpostedexpenses", 20), ("products", "unpostedprocurement", 10)],
)
def test_a_short_list_is_whole_in_one_round_trip_and_cached(
    connected, manage, recorder, kind, path, count
):
    manage[2].configure(Faults(latency_ms=LATENCY_MS))
    recorder.clear()
    html = connected.get(f"/batches/new/{kind}").get_data(as_text=True)
    assert html.count('<tr id="row-') == count
    assert "Loading the rest" not in html and f"{count} unposted" in text(html)
    assert recorder.depth() == 1
    assert sorted(c[0].rsplit("/", 1)[-1] for c in recorder.calls) == ["count", "locations", path]

    recorder.clear()  # the first page was the whole list: it is cached as such
    again = connected.post(f"/batches/new/{kind}/rows", form(action="select_all"), headers=HX)
    assert again.get_data(as_text=True).count('<tr id="row-') == count
    assert recorder.calls == []
