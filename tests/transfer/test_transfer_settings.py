"""TransferSettings from a configuration's options, and Problem's shape."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cwqbo.transfer import Problem, TransferSettings


def options(**values):
    base = {
        "sales_display_uom": False,
        "invoice_detail": "summary",
        "service_item_source": "gl_account",
        "allow_epayments": False,
        "exempt_tax_code_id": None,
        "tax_exempt_items": [],
        "multi_currency": False,
        "income_account_id": None,
    }
    return SimpleNamespace(**{**base, **values})


def mapping(manage, qbo):
    return SimpleNamespace(manage_tax_code_id=manage, qbo_tax_code_id=qbo)


@pytest.mark.parametrize(
    ("opts", "maps", "kwargs", "expect"),
    [
        pytest.param(None, [], {}, {"invoice_detail": "summary"}, id="no-options-defaults"),
        pytest.param(
            options(sales_display_uom=True), [], {}, {"display_uom": True}, id="display-uom-name"
        ),
        pytest.param(
            options(invoice_detail="detailed"),
            [],
            {"invoice_detail": "summary"},
            {"invoice_detail": "summary"},
            id="batch-detail-overrides-default",
        ),
        pytest.param(
            options(tax_exempt_items=[["760", "M365-BP"], ["761", "M365-EXO"]]),
            [],
            {},
            {"tax_exempt_items": ("M365-BP", "M365-EXO")},
            id="exempt-items-as-stored-pairs",
        ),
        pytest.param(
            options(tax_exempt_items=["SSD-1TB"]),
            [],
            {},
            {"tax_exempt_items": ("SSD-1TB",)},
            id="exempt-items-as-identifiers",
        ),
        pytest.param(
            options(),
            [mapping(5, "51"), mapping("2", 52)],
            {},
            {"tax_mappings": {"5": "51", "2": "52"}},
            id="tax-mappings-as-strings",
        ),
        pytest.param(
            {"multi_currency": True, "income_account_id": 79},
            [],
            {},
            {"multi_currency": True, "income_account_id": "79"},
            id="dict-options-and-ids-as-strings",
        ),
    ],
)
def test_from_options(opts, maps, kwargs, expect):
    settings = TransferSettings.from_options(opts, maps, **kwargs)
    for key, value in expect.items():
        assert getattr(settings, key) == value


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"invoice_detail": "condensed"}, id="unknown-detail"),
        pytest.param({"service_item_source": "agreement"}, id="unknown-item-source"),
    ],
)
def test_bad_choices_are_refused(kwargs):
    with pytest.raises(ValueError):
        TransferSettings(**kwargs)


def test_problem_reads_as_one_line_and_a_dict():
    problem = Problem("A is wrong.", "Fix A.", "QBO › Chart of accounts")
    assert str(problem) == "A is wrong. Fix A. (Where: QBO › Chart of accounts)"
    assert problem.as_dict() == {
        "message": "A is wrong.",
        "fix": "Fix A.",
        "where": "QBO › Chart of accounts",
    }
