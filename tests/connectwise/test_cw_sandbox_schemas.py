"""The sandbox's answers validate against the Manage OpenAPI subset's own schemas.

Every operation in ../shared/reference/schemas/connectwise-manage-openapi-subset.json is
called (the test fails if one is added to the spec and not covered here). And every
response the product's client reads is checked: every public ManageClient method is called
(tests/connectwise/cw_calls.py; a new method without an entry fails), each response is
recorded and validated against the subset's operation, else its schema-only component
(BillingTerm, GLAccount, PurchaseOrder, Company, Member), else pyconnectwise's generated
model (spec 2024: /finance/currencies, /finance/taxCodes and taxCodeLevels,
/procurement/types, PO line items, invoice payments, /system/info, /count), else, for
/login/companyinfo (outside the vendor spec), reference §1.4. A response of a path none of
these knows fails the test.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import jsonschema
import pytest

# The vendor's spec lies in shared/ beside the repository (as in CI); a missing spec fails
# the tests loudly instead of skipping them.
SPEC_PATH = Path(
    os.environ.get(
        "CW_OPENAPI_SUBSET",
        Path(__file__).resolve().parents[3]
        / "shared/reference/schemas/connectwise-manage-openapi-subset.json",
    )
)


def _nullable_to_jsonschema(node):
    """Rewrite OpenAPI 3.0 ``nullable: true`` into JSON Schema (type or anyOf with null)."""
    if isinstance(node, list):
        return [_nullable_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable_to_jsonschema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@pytest.fixture(scope="module")
def spec():
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def components(spec):
    return _nullable_to_jsonschema(copy.deepcopy(spec["components"]))


def _validate(components, schema, instance):
    root = {**_nullable_to_jsonschema(schema), "components": components}
    validator = jsonschema.Draft7Validator(root)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def _response_schema(operation):
    for status, response in operation["responses"].items():
        if status.startswith("2") and response.get("content"):
            return int(status), next(iter(response["content"].values()))["schema"]
    raise AssertionError("operation has no JSON 2xx response")


@pytest.fixture
def api(cw_client, cw_sandbox):
    base = cw_client.api_base
    session = cw_client.session

    def call(method, path, body=None, params=None):
        response = session.request(method, base + path, json=body, params=params, timeout=10)
        return response

    return call


def test_every_subset_operation_matches_its_schema(spec, components, api, cw_client):
    row = next(cw_client.iter_unposted_invoices(conditions='invoiceNumber = "10009"'))
    expense = next(cw_client.iter_unposted_expenses())
    product = next(cw_client.iter_unposted_procurement())
    # Make a batch so batch endpoints have something to show, then keep the invoice unposted
    # by exporting a different one.
    done = next(cw_client.iter_unposted_invoices(conditions='invoiceNumber = "10020"'))
    from cwqbo.connectwise.glexport import processed_record_ids

    ids = processed_record_ids(cw_client.export_gl("invoices", [done["billingLogId"]]))
    batch_body = {
        "batchIdentifier": "2025-06-01-I10020",
        "glInterfaceIdentifier": "0",
        "exportInvoicesFlag": True,
        "processedRecordIds": ids,
    }
    export_body = {
        "thruDate": "2025-12-31T23:59:59Z",
        "locationId": 0,
        "summarizeInvoices": "Detailed",
        "exportInvoicesFlag": True,
        "exportExpensesFlag": True,
        "exportProductsFlag": True,
        "includedInvoiceIds": [row["billingLogId"]],
        "includedExpenseIds": [expense["expenseDetailId"]],
        "includedProductIds": [product["unpostedProductId"]],
    }
    calls = {
        ("post", "/finance/accounting/batches"): (
            "POST",
            "/finance/accounting/batches",
            batch_body,
        ),
    }
    created = None
    covered = set()
    order = sorted(
        (
            (m, p)
            for p, item in spec["paths"].items()
            for m in item
            if m in ("get", "post", "put", "patch", "delete")
        ),
        key=lambda mp: (mp != ("post", "/finance/accounting/batches"), mp[1], mp[0]),
    )
    for method, template in order:
        status, schema = _response_schema(spec["paths"][template][method])
        if (method, template) in calls:
            verb, path, body = calls[(method, template)]
        else:
            batch_id = created["id"] if created else 0
            path = (
                template.replace("unpostedinvoices/{id}", f"unpostedinvoices/{row['id']}")
                .replace("unpostedinvoices/{parentId}", f"unpostedinvoices/{row['id']}")
                .replace("unpostedexpenses/{id}", f"unpostedexpenses/{expense['id']}")
                .replace("unpostedprocurement/{id}", f"unpostedprocurement/{product['id']}")
                .replace("batches/{id}", f"batches/{batch_id}")
                .replace("batches/{parentId}", f"batches/{batch_id}")
                .replace("invoices/{id}", f"invoices/{row['billingLogId']}")
            )
            if path.endswith("entries/{id}"):
                path = path.replace("{id}", str(ids[0]))
            verb = method.upper()
            body = export_body if verb == "POST" else None
            if template == "/finance/accounting/batches/{id}/export":
                body = {"batchIdentifier": "2025-06-01-I10020"}
        assert "{" not in path, path
        response = api(verb, path, body=body, params={"pageSize": 50} if verb == "GET" else None)
        assert response.status_code == status, (path, response.text[:300])
        payload = response.json()
        assert payload, f"{path} returned nothing to validate"
        _validate(components, schema, payload)
        covered.add((method, template))
        if (method, template) == ("post", "/finance/accounting/batches"):
            created = cw_client.find_batch("2025-06-01-I10020")
    assert covered == {
        (m, p)
        for p, item in spec["paths"].items()
        for m in item
        if m in ("get", "post", "put", "patch", "delete")
    }


@pytest.mark.parametrize(
    ("path", "schema_name"),
    [
        ("/finance/billingTerms", "BillingTerm"),
        ("/finance/glAccounts", "GLAccount"),
        ("/procurement/purchaseorders", "PurchaseOrder"),
    ],
)
def test_schema_only_components(components, api, path, schema_name):
    rows = api("GET", path, params={"pageSize": 1000}).json()
    assert rows
    schema = {"type": "array", "items": {"$ref": f"#/components/schemas/{schema_name}"}}
    _validate(components, schema, rows)


def test_error_bodies_match_error_response_message(components, api, cw_sandbox):
    from cwqbo.sandbox.connectwise import Faults

    schema = {"$ref": "#/components/schemas/ErrorResponseMessage"}
    not_found = api("GET", "/finance/accounting/unpostedinvoices/1")
    assert not_found.status_code == 404
    _validate(components, schema, not_found.json())
    invalid = api("POST", "/finance/accounting/batches", body={"batchIdentifier": "x"})
    assert invalid.status_code == 400 and invalid.json()["errors"]
    _validate(components, schema, invalid.json())
    _, _, faults = cw_sandbox
    faults.configure(Faults(deny=["/system/members"]))
    denied = api("GET", "/system/members")
    assert denied.status_code == 403
    _validate(components, schema, denied.json())


def test_validator_rejects_a_wrong_shape(components):
    schema = {"$ref": "#/components/schemas/UnpostedInvoice"}
    with pytest.raises(AssertionError):
        _validate(components, schema, {"id": "not-an-int", "billingLogId": None})
    _validate(components, schema, {"id": 1, "billingLogId": None})  # nullable honoured


# -- every response the product's client reads ---------------------------------------------

# Responses of paths the subset has no operation for: checked against the subset's own
# component (schema-only), else pyconnectwise's generated model (2024 spec), else the
# reference's description (companyinfo is outside the vendor spec).
COMPONENT = {
    "/finance/billingTerms": "BillingTerm",
    "/finance/glAccounts": "GLAccount",
    "/procurement/purchaseorders": "PurchaseOrder",
    "/procurement/purchaseorders/{}": "PurchaseOrder",
    "/company/companies/{}": "Company",
    "/system/members/{}": "Member",
}
PYCONNECTWISE = {
    "/finance/currencies": "FinanceCurrency",
    "/finance/taxCodes": "TaxCode",
    "/finance/taxCodes/{}/taxCodeLevels": "TaxCodeLevel",
    "/procurement/types": "ProductType",
    "/procurement/purchaseorders/{}/lineitems": "PurchaseOrderLineItem",
    "/finance/invoices/{}/payments": "Payment",
    "/system/info": "Info",
    "count": "Count",
}
COMPANYINFO = {  # reference §1.4 (sowderca info.ts field names); IsCloud is a string there
    "type": "object",
    "required": ["CompanyName", "Codebase", "VersionCode", "CompanyID", "IsCloud"],
    "properties": {
        k: {"type": "string"}
        for k in ("CompanyName", "Codebase", "VersionCode", "VersionNumber", "CompanyID")
        + ("IsCloud", "SiteUrl")
    },
}


def _template(path: str) -> str:
    return "/".join("{}" if p.isdigit() else p for p in path.split("/"))


def _spec_schema(spec, method: str, template: str):
    for path, item in spec["paths"].items():
        key = "/".join("{}" if p.startswith("{") else p for p in path.split("/"))
        if key.lower() == template.lower() and method in item:
            return _response_schema(item[method])[1]
    return None


def test_every_client_method_is_called_by_the_response_check():
    from cw_calls import CALLS, GENERIC, public_methods

    assert public_methods() - GENERIC == set(CALLS), "add the new client method to cw_calls"


def test_every_response_the_client_reads_matches_the_vendor_models(spec, components, cw_client):
    import pyconnectwise.models.manage as models
    from cw_calls import CALLS, Context

    seen: list[tuple[str, str, object]] = []

    def record(response, *args, **kwargs):
        if response.content:
            path = response.url.split("?")[0]
            seen.append((response.request.method.lower(), path, response.json()))

    cw_client.session.hooks["response"].append(record)
    context = Context(cw_client)
    for call in CALLS.values():
        call(cw_client, context)
    checked: dict[tuple[str, str], str] = {}
    for method, url, payload in seen:
        if "/login/companyinfo/" in url:
            _validate(components, COMPANYINFO, payload)
            checked[(method, "/login/companyinfo/{}")] = "reference §1.4"
            continue
        template = _template(url.split("/apis/3.0", 1)[1])
        schema = _spec_schema(spec, method, template)
        items = payload if isinstance(payload, list) else [payload]
        if schema is not None:
            _validate(components, schema, payload)
            how = "vendor subset"
        elif template in COMPONENT:
            ref = {"$ref": f"#/components/schemas/{COMPONENT[template]}"}
            _validate(components, {"type": "array", "items": ref}, items)
            how = f"subset component {COMPONENT[template]}"
        else:
            name = PYCONNECTWISE["count" if template.endswith("/count") else template]
            for item in items:
                getattr(models, name).model_validate(item)
            how = f"pyconnectwise {name}"
        assert items, f"{template} returned nothing to check"
        checked[(method, template)] = how
    # Every path the client module names was read and checked (a new constant without a
    # call fails here), and nothing read went unchecked (an unknown path raises KeyError).
    from cwqbo.connectwise import accounting, reference

    named = {v for k, v in vars(reference).items() if k.isupper() and isinstance(v, str)}
    named |= {*accounting.UNPOSTED_PATHS.values(), accounting.BATCHES_PATH, accounting.EXPORT_PATH}
    reads = {t.lower() for _, t in checked}
    assert {p.lower() for p in named} <= reads, sorted(named - reads)
    assert ("post", "/finance/invoices/{}/payments") in checked
    assert ("post", "/finance/accounting/batches") in checked
