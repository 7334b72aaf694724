"""Lines: Summary vs Detailed, Qty x UnitPrice, unit of measure, classes and locations."""

from __future__ import annotations

import pytest


def shape(body):
    out = []
    for line in body["Line"]:
        detail = line["SalesItemLineDetail"]
        out.append(
            (
                line.get("Description"),
                detail["ItemRef"]["name"],
                detail.get("Qty"),
                detail.get("UnitPrice"),
                line["Amount"],
            )
        )
    return out


def price(index, value):
    def vary(tx):
        tx["detail"][index]["itemPrice"] = value

    return vary


def uom(tx):
    tx["detail"][0]["unitOfMeasure"] = "Each"
    tx["detail"][1]["unitOfMeasure"] = "Hour"
    tx["detail"][2]["unitOfMeasure"] = {"id": 3, "name": "Hour"}  # a reference also works


AH = "After-hours emergency support (After Hours Engineer)"
# id, invoice, options, vary(tx), expected lines (description, item, qty, unit price, amount)
LINE_CASES = [
    (
        "detailed-one-line-per-manage-line",
        "10053",
        {"invoice_detail": "detailed"},
        None,
        [
            ("Endpoint protection (1 yr)", "AV-ENDPOINT", 1, 48, 48),
            (AH, "After Hours", 1, 187.5, 187.5),
            (AH, "After Hours", 4, 187.5, 750),
        ],
    ),
    (
        "summary-merges-service-lines-per-item",
        "10053",
        {},
        None,
        [
            ("Endpoint protection (1 yr)", "AV-ENDPOINT", 1, 48, 48),
            ("After Hours", "After Hours", 5, 187.5, 937.5),
        ],
    ),
    (
        "summary-keeps-products-and-separate-items",
        "10007",
        {},
        None,
        [
            ("Microsoft 365 Business Premium (monthly)", "M365-BP", 1, 22, 22),
            ("Reimbursed Expenses", "Reimbursed Expenses", 40, 0.7, 28),
            ("Remote Support", "Remote Support", 3, 125, 375),
            ("Projects", "Projects", 6, 165, 990),
        ],
    ),
    (
        "summary-with-different-prices-drops-qty",
        "10053",
        {},
        price(2, 190.0),
        [
            ("Endpoint protection (1 yr)", "AV-ENDPOINT", 1, 48, 48),
            ("After Hours", "After Hours", None, None, 937.5),
        ],
    ),
    (
        "qty-times-price-not-the-amount-drops-qty",
        "10053",
        {"invoice_detail": "detailed"},
        price(0, 47.5),
        [
            ("Endpoint protection (1 yr)", "AV-ENDPOINT", None, None, 48),
            (AH, "After Hours", 1, 187.5, 187.5),
            (AH, "After Hours", 4, 187.5, 750),
        ],
    ),
    (
        "display-uom-detailed",
        "10053",
        {"invoice_detail": "detailed", "display_uom": True},
        uom,
        [
            ("Endpoint protection (1 yr) (Each)", "AV-ENDPOINT", 1, 48, 48),
            (f"{AH} (Hour)", "After Hours", 1, 187.5, 187.5),
            (f"{AH} (Hour)", "After Hours", 4, 187.5, 750),
        ],
    ),
    (
        "display-uom-summary",
        "10053",
        {"display_uom": True},
        uom,
        [
            ("Endpoint protection (1 yr) (Each)", "AV-ENDPOINT", 1, 48, 48),
            ("After Hours (Hour)", "After Hours", 5, 187.5, 937.5),
        ],
    ),
    (
        "uom-not-displayed-when-off",
        "10053",
        {"invoice_detail": "detailed"},
        uom,
        [
            ("Endpoint protection (1 yr)", "AV-ENDPOINT", 1, 48, 48),
            (AH, "After Hours", 1, 187.5, 187.5),
            (AH, "After Hours", 4, 187.5, 750),
        ],
    ),
    (
        "work-role-summary-merges-per-role",
        "10058",
        {"service_item_source": "work_role"},
        None,
        [
            ("Bench repair hour", "BENCH-HR", 1, 125, 125),
            ("After Hours Engineer", "After Hours Engineer", 4.5, 187.5, 843.75),
            ("Onsite Technician", "Onsite Technician", 6, 140, 840),
        ],
    ),
]


@pytest.mark.parametrize(
    ("number", "opts", "vary", "expected"), [pytest.param(*c[1:], id=c[0]) for c in LINE_CASES]
)
def test_lines(mapper, number, opts, vary, expected):
    tx = mapper.tx(number)
    if vary:
        vary(tx)
    assert shape(mapper.body(tx, **opts)) == expected


def test_preview_lines_of_the_plan(mapper):
    plan = mapper.plan(mapper.tx("10053"))
    assert [
        (ln["description"], ln["account"], ln["tax"], str(ln["amount"])) for ln in plan.lines
    ] == [
        ("Endpoint protection (1 yr)", "Income:Products:Software", "TAX", "48.0"),
        ("After Hours", "Income:Services:Managed:Remote Support:After Hours", "NON", "937.5"),
    ]


def class_per_line(info, prefs, entities):
    prefs["AccountingInfoPrefs"].update(ClassTrackingPerTxn=False, ClassTrackingPerTxnLine=True)


def no_tracking(info, prefs, entities):
    prefs["AccountingInfoPrefs"].update(
        ClassTrackingPerTxn=False, ClassTrackingPerTxnLine=False, TrackDepartments=False
    )


def classes(*names):
    def vary(tx):
        for line, name in zip(tx["detail"], names, strict=False):
            line["glClass"] = name

    return vary


def location(name):
    def vary(tx):
        tx["glClass"] = name

    return vary


CLASSES = {"use_classes": True}
LOCATIONS = {"use_locations": True}
# id, invoice, options, vary(tx), edit(qbo), header ClassRef, line ClassRefs, DepartmentRef,
# needs (labels), problem texts
CATEGORY_CASES = [
    (
        "existing-class-per-transaction",
        "10018",
        CLASSES,
        classes("Managed Services"),
        None,
        "Managed Services",
        [None],
        None,
        [],
        None,
    ),
    (
        "missing-class-created",
        "10018",
        {**CLASSES, "create_classes": True},
        None,
        None,
        "Tampa HQ",
        [None],
        None,
        ['Class "Tampa HQ"'],
        None,
    ),
    (
        "missing-class-refused",
        "10018",
        CLASSES,
        None,
        None,
        None,
        None,
        None,
        None,
        ('Class "Tampa HQ" is not in QBO (Create classes is off)', "Categories tab"),
    ),
    (
        "nested-class-never-created",
        "10018",
        {**CLASSES, "create_classes": True},
        classes("Services:Remote"),
        None,
        None,
        None,
        None,
        None,
        ("cwqbo does not create nested classes",),
    ),
    (
        "classes-per-line",
        "10007",
        CLASSES,
        classes("Managed Services", "Managed Services", "Professional Services", ""),
        class_per_line,
        None,
        ["Managed Services", "Managed Services", "Professional Services", None],
        None,
        [],
        None,
    ),
    (
        "several-classes-but-one-per-transaction",
        "10007",
        CLASSES,
        classes("Managed Services", "Professional Services", "Managed Services", ""),
        None,
        None,
        None,
        None,
        None,
        ("has lines in several classes (Managed Services, Professional Services)",),
    ),
    (
        "class-tracking-off-in-qbo",
        "10018",
        CLASSES,
        None,
        no_tracking,
        None,
        None,
        None,
        None,
        ("cwqbo is set to use classes, but QBO does not track classes",),
    ),
    ("existing-location", "10018", LOCATIONS, None, None, None, [None], "Tampa HQ", [], None),
    (
        "missing-location-created",
        "10018",
        {**LOCATIONS, "create_locations": True},
        location("Orlando"),
        None,
        None,
        [None],
        "Orlando",
        ['Location "Orlando"'],
        None,
    ),
    (
        "missing-location-refused",
        "10018",
        LOCATIONS,
        location("Orlando"),
        None,
        None,
        None,
        None,
        None,
        ('Location "Orlando" is not in QBO (Create locations is off)', "Locations"),
    ),
    (
        "location-tracking-off-in-qbo",
        "10018",
        LOCATIONS,
        None,
        no_tracking,
        None,
        None,
        None,
        None,
        ("QBO does not track locations",),
    ),
    ("categories-unused", "10018", {}, None, no_tracking, None, [None], None, [], None),
]


@pytest.mark.parametrize(
    ("number", "opts", "vary", "edit", "header", "per_line", "department", "needs", "problem"),
    [pytest.param(*c[1:], id=c[0]) for c in CATEGORY_CASES],
)
def test_classes_and_locations(
    mapper, number, opts, vary, edit, header, per_line, department, needs, problem
):
    tx = mapper.tx(number)
    if vary:
        vary(tx)
    plan = mapper.plan(tx, ref=mapper.make_ref("US", edit), **opts)
    if problem:
        assert plan.entity is None
        for text in problem:
            assert text in mapper.text(plan)
        return
    assert [n.label for n in plan.needs if n.entity in ("Class", "Department")] == needs
    body = mapper.body(tx, ref=mapper.make_ref("US", edit), **opts)
    assert (body.get("ClassRef") or {}).get("name") == header
    assert (body.get("DepartmentRef") or {}).get("name") == department
    lines = [ln["SalesItemLineDetail"].get("ClassRef", {}).get("name") for ln in body["Line"]]
    assert lines == per_line
