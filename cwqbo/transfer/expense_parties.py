"""The QBO vendor of a reimbursable expense: the member's Vendor Nbr, as the seeds map it.

The Manage member's "Vendor Nbr" (System › Members) is the QBO vendor's Company field;
the DisplayName is the member's name, with the Vendor Nbr appended in parentheses when
"Append account name" is on (the same rule as customers: names.APPENDED_NAME_FORMAT). Which
QBO vendor a member lands on is decided the customers' way (cwqbo.transfer.pairing.match).
"""

from __future__ import annotations

from typing import Any

from cwqbo.transfer import assumptions as A
from cwqbo.transfer import limits as L
from cwqbo.transfer import names as N
from cwqbo.transfer import pairing
from cwqbo.transfer.context import Context
from cwqbo.wording import quoted

MANAGE_MEMBERS = "Manage › System › Members"


def member_of(doc: dict) -> dict:
    member = doc.get("member")
    return member if isinstance(member, dict) else {}


def member_key(doc: dict) -> str:
    """Return the member part of an expense's batch id: its identifier, lowercased, no spaces."""
    member = member_of(doc)
    text = N.clean(member.get("identifier") or member.get("name"))
    return "".join(text.split()).casefold()


def vendor_number(doc: dict, parties: dict) -> str:
    """Return the member's Vendor Nbr: the expense's, else the export's vendors[] row."""
    row = parties.get(str(member_of(doc).get("id"))) or {}
    return N.clean(doc.get("vendorNumber") or row.get("vendorNumber"))


def display_name(doc: dict, parties: dict, append: bool) -> str:
    """Return the QBO DisplayName of the member's vendor ('' when the member has no name)."""
    name = N.no_colon(N.clean(member_of(doc).get("name")))
    number = N.no_colon(vendor_number(doc, parties))
    if append and name and number:
        return A.APPENDED_NAME_FORMAT.format(name=name, account=number)
    return name


def _reimbursable(doc: dict) -> bool:
    row = doc.get("unposted") if isinstance(doc.get("unposted"), dict) else {}
    return N.clean(row.get("classification")).casefold() == "reimbursable"


def member_party(doc: dict, parties: dict) -> pairing.Party:
    """Return the expense's Manage member as a pairing party (its vendor's names)."""
    member = member_of(doc)
    plain = display_name(doc, parties, False)
    appended = display_name(doc, parties, True)
    who = N.clean(member.get("name") or member.get("identifier")) or "(no name)"
    return pairing.Party(
        pairing.MEMBER,
        str(member.get("id") or member.get("identifier") or ""),
        f"Manage member {quoted(who)} (id {member.get('id')})",
        plain,
        appended if appended != plain else "",
    )


def member_pair(doc: dict, parties: dict) -> tuple[str, str, str]:
    """Return (kind, id, name) of the member, what a plan pairs with its QBO vendor."""
    party = member_party(doc, parties)
    return party.kind, party.manage_id, N.clean(member_of(doc).get("name")) or party.plain


def vendor_names(documents: list[dict], ctx: Any) -> set[str]:
    """Return the vendor display names the reimbursable expenses may need."""
    names: set[str] = set()
    for doc in documents:
        if not _reimbursable(doc):
            continue
        party = member_party(doc, ctx.parties)
        names.update(pairing.forms(party, ctx.settings.collision_suffix))
        paired = ctx.settings.pairings.get(party.kind, party.manage_id)
        if paired is not None:  # a paired vendor may have any name
            names.add(paired.name)
    return {n for n in names if n}


def vendor(c: Context, doc: dict, parties: dict) -> str:
    """Return the vendor's DisplayName, asking to create it if missing, or record why not."""
    member = member_of(doc)
    who = N.clean(member.get("name") or member.get("identifier")) or "(no name)"
    number = vendor_number(doc, parties)
    if not number:
        c.problem(
            f"Member {who} has no Vendor Nbr, so expense {c.number} has no QBO vendor to be "
            "billed to.",
            f"Fill in Vendor Nbr for {who} on the Manage System › Members screen (it is the "
            "QBO vendor's Company field).",
            MANAGE_MEMBERS,
        )
        return ""
    name = display_name(doc, parties, c.settings.append_account_name)
    if not name:
        c.problem(
            f"Member of expense {c.number} has no name.",
            "Give the member a first and last name in Manage.",
            MANAGE_MEMBERS,
        )
        return ""
    if not L.check_name(
        c,
        name,
        L.DISPLAY_NAME_MAX,
        "Vendor name (QBO DisplayName)",
        "Shorten the member's name or Vendor Nbr in Manage (cwqbo never cuts names).",
        MANAGE_MEMBERS,
    ):
        return name
    found = pairing.match(
        c, "Vendor", member_party(doc, parties), name, "the member", MANAGE_MEMBERS
    )
    if found is None:
        return name
    c.memo["match"] = found
    name = found.name
    if found.row is not None:
        return name
    owner = f"Manage member {who} (Vendor Nbr {number})"
    if not c.vendor_name_free(name, owner, "the member", MANAGE_MEMBERS):
        return name
    if not L.check_name(
        c,
        number,
        L.COMPANY_NAME_MAX,
        "Vendor Nbr (QBO vendor CompanyName)",
        f"Shorten the member's Vendor Nbr in Manage to at most {L.COMPANY_NAME_MAX} characters.",
        MANAGE_MEMBERS,
    ):
        return name
    body = {"DisplayName": name, "CompanyName": number, "Vendor1099": False}
    c.need("Vendor", name, body, f'Vendor "{name}"')
    return name
