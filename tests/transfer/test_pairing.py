"""Matching a Manage company to its QBO customer (issue 13 §1), planned against the sample.

US realm: customers 1 Contoso Ltd, 2 Fabrikam, Inc., 3 Old Client LLC (inactive); vendor
23 Northwind Traders; employee 40 Jane Doe. Invoice 10026 is Contoso Ltd (Manage company
250, account CONTOSOL50), 10013 Adventure Works Cycles (259), 10027 Northwind Traders (257).
"""

from __future__ import annotations

from cwqbo.transfer.pairing import Pairings


def paired(*rows) -> Pairings:
    out = Pairings()
    for manage_id, qbo_id, name in rows:
        out.put("company", manage_id, "Customer", qbo_id, name)
    return out


def customer_needs(plan) -> list[str]:
    return [n.name for n in plan.needs if n.entity == "Customer"]


def test_a_paired_company_lands_on_its_record_whatever_the_naming_option(mapper):
    ref = mapper.make_ref("US")
    ref.add("Customer", {"Id": "77", "DisplayName": "AW Cycles (old books)"})
    pairs = paired(("259", "77", "AW Cycles (old books)"))
    for append in (False, True):
        plan = mapper.plan(mapper.tx("10013"), ref=ref, pairings=pairs, append_account_name=append)
        assert plan.problems == [] and customer_needs(plan) == []
        assert plan.customer_name == "AW Cycles (old books)"
        assert plan.pair == ("company", "259", "Adventure Works Cycles")
        assert plan.note is None  # nothing was decided: it is paired


def test_a_paired_record_is_found_by_its_id_not_its_name(mapper):
    ref = mapper.make_ref("US")
    ref.add("Customer", {"Id": "77", "DisplayName": "Renamed in QBO"})
    plan = mapper.plan(mapper.tx("10013"), ref=ref, pairings=paired(("259", "77", "Old name")))
    assert plan.customer_name == "Renamed in QBO" and plan.problems == []


def test_a_paired_record_gone_or_inactive_is_a_problem_pointing_at_the_pairings_page(mapper):
    plan = mapper.plan(mapper.tx("10013"), pairings=paired(("259", "999", "Gone Inc")))
    (problem,) = plan.problems
    assert (
        'is paired with QBO customer "Gone Inc" (id 999), which QBO no longer has under that name'
        in str(problem)
    )
    assert "Pairings" in problem.where
    plan = mapper.plan(mapper.tx("10013"), pairings=paired(("259", "3", "Old Client LLC")))
    assert "which is inactive in QBO" in mapper.text(plan)
    assert customer_needs(plan) == []


def test_a_record_paired_with_another_company_is_neither_matched_nor_duplicated(mapper):
    # Contoso Ltd's QBO customer is paired with another Manage company (a merge, say).
    plan = mapper.plan(mapper.tx("10026"), pairings=paired(("999", "1", "Contoso Ltd")))
    assert plan.entity is None and customer_needs(plan) == []
    assert 'QBO customer "Contoso Ltd" (id 1) is paired with Manage company id 999' in (
        mapper.text(plan)
    )
    # With the appended name on, a new customer of its own is created instead.
    plan = mapper.plan(
        mapper.tx("10026"), pairings=paired(("999", "1", "Contoso Ltd")), append_account_name=True
    )
    assert plan.problems == [] and customer_needs(plan) == ["Contoso Ltd (CONTOSOL50)"]


def test_the_appended_form_is_matched_when_the_plain_one_is_absent(mapper):
    ref = mapper.make_ref("US")
    ref.add("Customer", {"Id": "88", "DisplayName": "adventure works  cycles (ADVENTUR59)"})
    plan = mapper.plan(mapper.tx("10013"), ref=ref)  # append off: still found, not created
    assert plan.customer_name == "adventure works  cycles (ADVENTUR59)"
    assert customer_needs(plan) == [] and plan.problems == []
    assert "matches the existing QBO customer" in plan.note


def test_case_and_space_variants_of_one_name_are_ambiguous(mapper):
    ref = mapper.make_ref("US")
    ref.add("Customer", {"Id": "89", "DisplayName": "CONTOSO  LTD"})
    plan = mapper.plan(mapper.tx("10026"), ref=ref)
    assert plan.entity is None and customer_needs(plan) == []
    assert 'could be any of 2 QBO customers: "Contoso Ltd" (id 1), "CONTOSO  LTD" (id 89)' in (
        mapper.text(plan)
    )


def test_two_companies_matching_one_record_in_a_batch_is_a_problem(mapper):
    ref = mapper.make_ref("US")
    assert mapper.plan(mapper.tx("10026"), ref=ref).problems == []
    other = mapper.tx("10029")  # Austin Analytics, renamed like Contoso in Manage
    customer = mapper.customer(other)
    other["company"]["name"] = customer["company"]["name"] = "Contoso Ltd"
    plan = mapper.plan(other, ref=ref, customer=customer)
    assert 'would land on QBO customer "Contoso Ltd" (id 1) in this batch' in mapper.text(plan)
    assert mapper.plan(mapper.tx("10026"), ref=ref).problems == []  # the first keeps its claim


def test_the_collision_suffix_names_the_new_customer_and_says_so(mapper):
    plan = mapper.plan(mapper.tx("10027"), collision_suffix="(C)")
    assert plan.problems == [] and customer_needs(plan) == ["Northwind Traders (C)"]
    assert plan.customer_name == "Northwind Traders (C)"
    assert '"Northwind Traders" is already a QBO vendor' in plan.note
    # With the appended name on, the appended name is free: no suffix needed.
    plan = mapper.plan(mapper.tx("10027"), collision_suffix="(C)", append_account_name=True)
    assert customer_needs(plan) == ["Northwind Traders (NORTHWIN57)"]


def test_an_existing_suffixed_customer_is_matched_not_created_again(mapper):
    ref = mapper.make_ref("US")
    ref.add("Customer", {"Id": "90", "DisplayName": "Northwind Traders (C)"})
    plan = mapper.plan(mapper.tx("10027"), ref=ref, collision_suffix="(C)")
    assert plan.customer_name == "Northwind Traders (C)" and customer_needs(plan) == []


def test_a_suffixed_name_taken_too_is_a_problem(mapper):
    ref = mapper.make_ref("US")
    ref.add("Employee", {"Id": "91", "DisplayName": "Northwind Traders (C)"})
    plan = mapper.plan(mapper.tx("10027"), ref=ref, collision_suffix="(C)")
    assert plan.entity is None and customer_needs(plan) == []
    assert '"Northwind Traders (C)" (with the collision suffix) is taken by a QBO employee' in (
        mapper.text(plan)
    )
