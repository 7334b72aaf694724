"""The option domain without Flask: list caching per configuration, field checks, mappings."""

from __future__ import annotations

import pytest

from cwqbo.options.fields import REF, Field
from cwqbo.options.fields import check_ref as check
from cwqbo.options.lists import MANAGE_LOCATIONS, QBO_ACCOUNTS, Choice, ListUnavailable, LiveLists
from cwqbo.options.taxes import check_mappings, read_rows


class FakeQBO:
    def __init__(self):
        self.queries = 0
        self.rows = [
            {
                "Id": "1",
                "Name": "Sales",
                "FullyQualifiedName": "Income:Sales",
                "AccountType": "Income",
            },
            {"Id": "2", "Name": "Checking", "AccountType": "Bank"},
        ]

    def query(self, sql):
        self.queries += 1
        yield from self.rows


class Down(Exception):
    pass


def lists(redis_conn, client, config_id=1, **kw) -> LiveLists:
    def manage():
        raise ListUnavailable("ConnectWise Manage is not connected.")

    return LiveLists(
        redis_conn, config_id, {"qbo": lambda: client, "manage": manage}, (Down,), **kw
    )


def test_lists_are_cached_per_configuration_until_refreshed(redis_conn):
    qbo = FakeQBO()
    one = lists(redis_conn, qbo)
    assert one.get(QBO_ACCOUNTS) == [
        Choice("2", "Checking", "Bank"),
        Choice("1", "Income:Sales", "Income"),
    ]
    one.get(QBO_ACCOUNTS)
    assert qbo.queries == 1
    lists(redis_conn, qbo, config_id=2).get(QBO_ACCOUNTS)  # another configuration: its own
    assert qbo.queries == 2
    one.get(QBO_ACCOUNTS, fresh=True)  # saves validate against fresh lists
    assert qbo.queries == 3
    assert one.loaded_at([QBO_ACCOUNTS]) is not None
    one.refresh()
    assert one.cached(QBO_ACCOUNTS) is None and one.loaded_at([QBO_ACCOUNTS]) is None
    assert redis_conn.ttl(one.key(QBO_ACCOUNTS)) == -2
    one.get(QBO_ACCOUNTS)
    assert 0 < redis_conn.ttl(one.key(QBO_ACCOUNTS)) <= 900


def test_unavailable_lists_are_reported_not_raised_by_peek(redis_conn):
    qbo = FakeQBO()
    qbo.query = lambda sql: (_ for _ in ()).throw(Down("HTTP 503"))
    live = lists(redis_conn, qbo, explain=lambda exc: None)
    with pytest.raises(ListUnavailable, match=r"QuickBooks Online could not be reached .*HTTP 503"):
        live.get(QBO_ACCOUNTS)
    found, problem = live.peek([MANAGE_LOCATIONS])
    assert found == {} and problem == "ConnectWise Manage is not connected."


ACCOUNT = Field("income", "Income account", REF, source=QBO_ACCOUNTS, types=("Income",))
ACCOUNTS = {QBO_ACCOUNTS: [Choice("1", "Income:Sales", "Income"), Choice("2", "Checking", "Bank")]}


def test_reference_checks():
    assert check(ACCOUNT, "1", ACCOUNTS, {}, None) == (("1", "Income:Sales"), None)
    assert check(ACCOUNT, "2", ACCOUNTS, {}, None)[1] == (
        "Checking is a Bank account; choose an Income account."
    )
    assert check(ACCOUNT, "7", ACCOUNTS, {}, ("7", "Old Sales"))[1] == (
        "Old Sales no longer exists in QuickBooks Online (or is inactive). Choose another account."
    )
    assert check(ACCOUNT, "", ACCOUNTS, {}, None) == (None, None)
    # Without the list: an unchanged saved choice passes, a new one is refused with the reason.
    problems = {QBO_ACCOUNTS: "Reconnect."}
    assert check(ACCOUNT, "7", {}, problems, ("7", "Old Sales")) == (("7", "Old Sales"), None)
    assert check(ACCOUNT, "1", {}, problems, ("7", "Old Sales"))[1] == "Reconnect."


def test_mappings_many_to_one_but_each_manage_code_once():
    lists_ = {
        "manage_tax_codes": [Choice("1", "EXEMPT"), Choice("2", "FL-HILLS"), Choice("4", "TX")],
        "qbo_tax_codes": [Choice("51", "EXEMPT"), Choice("52", "FL-HILLS")],
    }
    rows = read_rows(["2", "4", "", "2"], ["52", "52", "", "51"])
    assert rows == [("2", "52"), ("4", "52"), ("2", "51")]  # the blank row is dropped
    outcome = check_mappings(rows, [], lists_, {})
    assert outcome.errors == {
        "mapping-2-manage": "FL-HILLS is mapped already (row 1); "
        "each Manage tax code can be mapped once."
    }
    assert check_mappings(rows[:2], [], lists_, {}).ok


@pytest.mark.parametrize(
    "raw",
    [
        '{"choices": [{"id": "1", "label": "Sales", "kind": "Income"}]}',  # an older shape
        '{"rows": []}',
        "not json",
        '{"choices": [["1", "Sales"]]}',
    ],
)
def test_an_unreadable_cached_list_is_read_again_from_the_source(redis_conn, raw):
    qbo = FakeQBO()
    live = lists(redis_conn, qbo)
    redis_conn.set(live.key(QBO_ACCOUNTS), raw)
    assert live.get(QBO_ACCOUNTS) == [
        Choice("2", "Checking", "Bank"),
        Choice("1", "Income:Sales", "Income"),
    ]
    assert qbo.queries == 1
