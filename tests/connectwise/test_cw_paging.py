"""ManageClient.read_all / read_first against the real Manage sandbox (connectwise/paging.py).

The pages of a list are read side by side after its count; a list that changes between the
count and the page reads is caught (rows that do not add up, a row twice, a last page that
is not the last), read once more, and said when it still does not add up.
"""

from __future__ import annotations

from cwqbo.connectwise.accounting import UNPOSTED_PATHS
from cwqbo.sandbox.connectwise.scale import scaled_dataset

PATH = UNPOSTED_PATHS["invoices"]


def ids_of(rows: list[dict]) -> list[int]:
    return [row["id"] for row in rows]


def set_batched(state, row_id: int, batched: bool) -> None:
    with state.lock:
        for gl in state.docs["invoices"][row_id]["glIds"]:
            if batched:
                state.batched[gl] = 999_999
            else:
                state.batched.pop(gl, None)


def test_every_page_read_once_in_order(cw_client, cw_sandbox):
    cw_sandbox[1].reset(scaled_dataset(250))
    full = cw_client.read_all(PATH, page_size=60, fields="id")
    assert full.count == 250 and full.problem is None and full.attempts == 1
    assert ids_of(full.rows) == [1_000_001 + n for n in range(250)]


def test_a_row_back_in_the_list_after_the_count_is_caught_and_read_again(cw_client, cw_sandbox):
    cw_sandbox[1].reset(scaled_dataset(120))
    state = cw_sandbox[1]
    back = 1_000_005
    set_batched(state, back, True)  # batched when counted, back in the list before the pages

    def unbatch_once(count: int) -> None:
        if count == 119:
            set_batched(state, back, False)

    full = cw_client.read_all(PATH, page_size=40, fields="id", before_pages=unbatch_once)
    assert full.attempts == 2 and full.problem is None
    assert ids_of(full.rows) == [1_000_001 + n for n in range(120)]


def test_a_list_that_keeps_changing_is_said_and_never_holds_a_row_twice(cw_client, cw_sandbox):
    cw_sandbox[1].reset(scaled_dataset(120))
    state, flip = cw_sandbox[1], 1_000_003
    calls = []

    def toggle(count: int) -> None:
        calls.append(count)
        set_batched(state, flip, len(calls) % 2 == 1)

    full = cw_client.read_all(PATH, page_size=40, fields="id", before_pages=toggle)
    assert full.attempts == 2 and calls == [120, 119]
    assert full.problem == "it counted 119 but its pages held 120"
    assert len(ids_of(full.rows)) == len(set(ids_of(full.rows)))


def test_a_stale_count_given_is_checked_and_counted_afresh(cw_client, cw_sandbox):
    cw_sandbox[1].reset(scaled_dataset(120))
    full = cw_client.read_all(PATH, page_size=50, fields="id", count=100)  # 20 came since
    assert full.attempts == 2 and full.problem is None and full.count == 120
    assert ids_of(full.rows) == [1_000_001 + n for n in range(120)]


def test_first_page_and_count_side_by_side(cw_client, cw_sandbox):
    cw_sandbox[1].reset(scaled_dataset(150))
    first = cw_client.read_first(PATH, page_size=100, fields="id")
    assert first.count == 150 and not first.complete
    assert ids_of(first.rows) == [1_000_001 + n for n in range(100)]
    whole = cw_client.read_first(PATH, page_size=100, fields="id", conditions="id <= 1000050")
    assert whole.count == 50 and whole.complete and len(whole.rows) == 50


def test_a_row_seen_twice_across_pages_is_kept_once_and_said(cw_client, cw_sandbox):
    cw_sandbox[1].reset(scaled_dataset(120))
    state, back = cw_sandbox[1], 1_000_002
    set_batched(state, back, True)

    def after_page(response, *args, **kwargs):  # the row comes back between pages 1 and 2
        if "/unpostedinvoices?" in response.url and "page=1" in response.url.split("&"):
            set_batched(state, back, False)
        elif "/unpostedinvoices?" in response.url and "page=2" in response.url.split("&"):
            set_batched(state, back, True)

    cw_client.session.hooks["response"].append(after_page)
    full = cw_client.read_all(PATH, page_size=40, fields="id", workers=1)
    assert full.attempts == 2
    assert "1 twice" in full.problem
    assert len(ids_of(full.rows)) == len(set(ids_of(full.rows)))
