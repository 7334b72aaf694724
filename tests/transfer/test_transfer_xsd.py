"""Built bodies validate against Intuit's XSDs (JSON keys are the XSD element names)."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest
import xmlschema

# ../shared sits beside the checkout, in development and in CI.
XSD = Path(__file__).resolve().parents[3] / "shared/reference/schemas/qbo/IntuitRestServiceDef.xsd"
NS = "http://schema.intuit.com/finance/v3"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


def to_xsd_data(value):
    """Turn QBO JSON into xmlschema's dict form: a {"value", "name"} ref -> text + attribute."""
    if isinstance(value, dict):
        if "value" in value and set(value) <= {"value", "name", "type"}:
            out = {"$": value["value"]}
            out.update({f"@{k}": v for k, v in value.items() if k != "value"})
            return out
        return {k: to_xsd_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_xsd_data(v) for v in value]
    return value


def validate(schema, entity: str, body: dict) -> list[str]:
    """Encode ``body`` as ``entity`` (any key order) and validate the XML; return the errors."""
    element = schema.maps.elements[f"{{{NS}}}{entity}"]
    xml, errors = element.encode(
        to_xsd_data(body),
        validation="lax",
        converter=xmlschema.UnorderedConverter,
        namespaces={"": NS},
    )
    if errors:
        return [e.reason for e in errors]
    text = ElementTree.tostring(xml, encoding="unicode")
    return [e.reason for e in schema.iter_errors(text)]


CASES = [
    # id, invoice, realm, options
    ("us-invoice-summary", "10053", "US", {}),
    (
        "us-invoice-detailed-epayments",
        "10058",
        "US",
        {
            "invoice_detail": "detailed",
            "allow_epayments": True,
            "allow_online": True,
            "allow_ach": True,
        },
    ),
    ("us-credit-memo", "10006", "US", {}),
    ("us-down-payment-applied", "10002", "US", {}),
    (
        "us-classes-and-locations",
        "10007",
        "US",
        {"use_classes": True, "create_classes": True, "use_locations": True},
    ),
    ("ca-invoice-global-tax", "10005", "CA", {}),
    ("ca-foreign-currency", "10010", "CA", {"multi_currency": True}),
    ("us-inventory-item", "10013", "US", {"track_quantity": True}),
]


@pytest.mark.parametrize(
    ("number", "realm", "opts"), [pytest.param(*c[1:], id=c[0]) for c in CASES]
)
def test_bodies_validate_against_the_xsd(schema, mapper, number, realm, opts):
    tx = mapper.tx(number)
    plan = mapper.plan(tx, realm, **opts)
    for need in plan.needs:
        assert validate(schema, need.entity, need.body) == [], need.label
    body = mapper.body(tx, realm, **opts)
    assert validate(schema, plan.entity, body) == []


def test_the_check_catches_a_misspelt_field(schema, mapper):
    body = mapper.body(mapper.tx("10013"))
    body["CustomerMemo"] = {"value": "Thanks"}
    assert validate(schema, "Invoice", body) == []
    body["Line"][0]["SalesItemLineDetail"]["Quantity"] = 2
    body["AllowOnlinePayments"] = True
    errors = validate(schema, "Invoice", body)
    assert any("Quantity" in e for e in errors) and any("AllowOnlinePayments" in e for e in errors)
    # CreditMemo has no e-payment flags, which is why credit memos never get them.
    memo = mapper.body(mapper.tx("10006"))
    memo["AllowOnlineACHPayment"] = True
    assert any("AllowOnlineACHPayment" in e for e in validate(schema, "CreditMemo", memo))
