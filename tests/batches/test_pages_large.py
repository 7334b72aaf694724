"""5,000 unposted invoices: the page renders one page of rows, select-all counts them all.

The timing figures are printed by benchmarks/selection_page.py, not asserted here.
"""

from __future__ import annotations

from pages_support import HX, MARK_URL, SELECT_URL, hidden, row_ids, sample_invoices, text

from cwqbo.sandbox.connectwise.scale import scaled_dataset

COUNT = 5000


def test_five_thousand_rows_render_a_page_and_select_all_counts_them_all(connected, manage):
    manage[1].reset(scaled_dataset(COUNT))
    ids = [str(r["id"]) for r in sample_invoices(manage[1])]
    assert len(ids) == COUNT

    response = connected.get(SELECT_URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert row_ids(html) == ids[:100]
    assert "5,000 unposted" in text(html)
    assert "100 of 5,000 shown" in html

    state = {"mode": "transfer", "config_id": "1", "location_id": ""}
    selected = connected.post(SELECT_URL + "/rows", {**state, "action": "select_all"}, headers=HX)
    page = selected.get_data(as_text=True)
    assert "All 5,000 matching invoices are selected." in text(page)
    assert len(row_ids(page)) == 100

    shown = row_ids(page)
    untick = {**state, "select_all": "1", "shown": shown, "ids": shown[1:]}
    summary = connected.post(SELECT_URL + "/summary", untick, headers=HX)
    assert "4,999 of 5,000 invoices selected." in text(summary.get_data(as_text=True))

    confirm = connected.post(MARK_URL, {**untick, "mode": "mark_exported"})
    body = confirm.get_data(as_text=True)
    assert "4,999 invoices will be marked batched in ConnectWise" in text(body)
    assert len(hidden(body, "ids")) == 4999 and shown[0] not in hidden(body, "ids")
