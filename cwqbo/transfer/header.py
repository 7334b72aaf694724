"""Header mappings of a document: customer, terms, currency, AR/AP account, class, location."""

from __future__ import annotations

from cwqbo.transfer import limits as L
from cwqbo.transfer import names as N
from cwqbo.transfer import pairing
from cwqbo.transfer import problems as P
from cwqbo.transfer.context import Context
from cwqbo.wording import plural_of, quoted

QBO_TERMS = "QBO › Settings › All lists › Terms"
ADD_COMPANY = "cwqbo › Set Up QuickBooks Online › Add New Company"


def customer(ctx: Context, currency: str, foreign_ok: bool) -> str:
    """Return the QBO DisplayName of the invoice's customer, asking to create it if missing.

    Which customer: pairing.match (paired → same name → appended name → create).
    """
    settings = ctx.settings
    party = customer_party(ctx.tx, ctx.customer)
    if not party.plain:
        ctx.problem(
            f"Invoice {ctx.number} has no company name.",
            "Give the company a name in Manage.",
            P.MANAGE_COMPANY,
        )
        return party.plain
    create_as = party.appended if settings.append_account_name and party.appended else party.plain
    if len(create_as) > L.DISPLAY_NAME_MAX:
        ctx.problem(
            f'Customer name "{create_as[:60]}..." is longer than QBO\'s {L.DISPLAY_NAME_MAX} '
            "characters.",
            "Shorten the company name (or account number) in Manage.",
            P.MANAGE_COMPANY,
        )
        return create_as
    found = pairing.match(ctx, "Customer", party, create_as, "the company")
    if found is None:
        return create_as
    ctx.memo["match"] = found
    name = found.name
    if found.row is not None:
        row = found.row
        held = str((row.get("CurrencyRef") or {}).get("value") or ctx.qbo.home_currency).upper()
        if held != currency:
            ctx.problem(
                f'QBO customer "{name}" uses {held}, but invoice {ctx.number} is in {currency}.',
                "QBO cannot change a customer's currency: bill the company in "
                f"{held} in Manage, or rename the QBO customer so cwqbo creates a {currency} one.",
                P.either(P.QBO_CUSTOMERS, P.MANAGE_COMPANY),
            )
        return name
    if ctx.qbo.inactive("Customer", name):
        ctx.problem(
            f'Customer "{name}" is inactive in QBO.',
            "Make the customer active in QBO (an inactive customer still holds its name).",
            P.QBO_CUSTOMERS,
        )
        return name
    company = N.no_colon(N.company_name(ctx.tx, ctx.customer))
    if not L.check_name(
        ctx,
        company,
        L.COMPANY_NAME_MAX,
        "Company name (QBO customer CompanyName)",
        f"Shorten the company name in Manage to at most {L.COMPANY_NAME_MAX} characters "
        "(cwqbo never cuts names).",
        P.MANAGE_COMPANY,
    ):
        return name
    company_id = party.manage_id
    holder = ctx.qbo.claim("Customer", name, f"Manage company id {company_id}")
    if holder != f"Manage company id {company_id}":
        ctx.problem(
            f"Two Manage companies ({holder} and id {company_id}) would both become QBO "
            f'customer "{name}".',
            'Turn on "Append account name" (it names new customers only), or rename one of the '
            "companies in Manage.",
            P.either(P.CWQBO_CONTACTS, P.MANAGE_COMPANY),
        )
        return name
    # The first invoice planned fixes the new customer's currency (QBO cannot change it): a
    # document of the same company in another currency would be refused.
    first = ctx.qbo.claim("Customer currency", name, f"{currency} (invoice {ctx.number})")
    if not first.startswith(f"{currency} "):
        ctx.problem(
            f'Invoice {ctx.number} is in {currency}, but the QBO customer "{name}" this batch '
            f"creates will use {first}; QBO refuses a document in another currency than its "
            "customer's.",
            "QBO keeps one currency per customer: bill the company in one currency in Manage, "
            "or send this invoice in a later batch after renaming the QBO customer created now "
            f"so that cwqbo creates a {currency} one.",
            P.either(P.MANAGE_COMPANY, P.QBO_CUSTOMERS),
        )
        return name
    body: dict = {"DisplayName": name, "CompanyName": company}
    if currency != ctx.qbo.home_currency and foreign_ok:
        body["CurrencyRef"] = {"value": currency}
    term = ctx.qbo.find("Term", _term_name(ctx.customer or {}) or _term_name(ctx.tx))
    if term is not None:
        body["SalesTermRef"] = {"value": str(term["Id"])}
    ctx.need("Customer", name, body, f"Customer {quoted(name)}")
    return name


def customer_party(tx: dict, customer: dict | None) -> pairing.Party:
    """Return the Manage company of an invoice as a pairing party."""
    company = (customer or {}).get("company") or tx.get("company") or {}
    plain = N.customer_display_name(tx, customer, False)
    appended = N.customer_display_name(tx, customer, True)
    return pairing.Party(
        pairing.COMPANY,
        str(company.get("id") or ""),
        f"Manage company {quoted(N.company_name(tx, customer))} (id {company.get('id')})",
        plain,
        appended if appended != plain else "",
    )


def _term_name(source: dict) -> str:
    return N.clean(source.get("billingTermsXref") or (source.get("billingTerms") or {}).get("name"))


def term(ctx: Context) -> str | None:
    """Return the QBO Term name of the invoice's billing terms, asking to create it if missing."""
    name = _term_name(ctx.tx)
    if not name:
        return None
    if len(name) > L.TERM_NAME_MAX:
        ctx.problem(
            f'Billing term "{name}" is longer than QBO\'s {L.TERM_NAME_MAX} characters.',
            'Shorten the billing term\'s "Terms Xref" in Manage.',
            P.MANAGE_TERMS,
        )
        return None
    if ctx.qbo.find("Term", name) is not None:
        return name
    if ctx.qbo.inactive("Term", name):
        ctx.problem(f'Term "{name}" is inactive in QBO.', "Make the term active in QBO.", QBO_TERMS)
        return None
    days = due_days(ctx.tx.get("dueDays", (ctx.customer or {}).get("dueDays")))
    if days is None:
        ctx.problem(
            f'Billing term "{name}" is not in QBO and has no whole number of due days in '
            "Manage, so cwqbo cannot create it.",
            f'Set "Due Days" of the billing term in Manage (a whole number, 0-999), or create '
            f'the term "{name}" in QBO.',
            P.either(P.MANAGE_TERMS, QBO_TERMS),
        )
        return None
    ctx.need("Term", name, {"Name": name, "DueDays": days}, f'Term "{name}" ({days} days)')
    return name


def due_days(value: object) -> int | None:
    """Return a whole number of due days (0-999) from Manage, or None."""
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    if number != int(number) or not 0 <= number <= 999:
        return None
    return int(number)


def currency_ok(ctx: Context, currency: str, instead: str = "bill the company") -> bool:
    """Check a foreign-currency document can be sent; return whether CurrencyRefs may be used.

    ``instead`` is what the user may do in Manage rather than turn multi-currency on
    ("bill the company", "order from the vendor"), followed by "in <home currency>".
    """
    qbo = ctx.qbo
    if currency == qbo.home_currency:
        return True
    # The reversible route first: another configuration, connected to a company in that
    # currency; QBO's multi-currency cannot be turned off once on (issue 17).
    elsewhere = (
        f"Send {currency} {plural_of(ctx.noun.lower())} to a configuration connected to a "
        f"QuickBooks company in {currency} (cwqbo supports several companies: Set Up "
        f"QuickBooks Online › Add New Company), or {instead} in {qbo.home_currency}."
    )
    if not ctx.settings.multi_currency:
        ctx.problem(
            f"{ctx.noun} {ctx.number} is in {currency}, the QBO home currency is "
            f"{qbo.home_currency} and multi-currency is off in cwqbo.",
            f"{elsewhere} Or turn on multi-currency in QBO and on the Currency tab; "
            "QBO's multi-currency cannot be turned off again.",
            P.either(ADD_COMPANY, P.CWQBO_CURRENCY, P.QBO_CURRENCY),
        )
        return False
    if not qbo.multi_currency_enabled:
        ctx.problem(
            f"{ctx.noun} {ctx.number} is in {currency}, but multi-currency is off in QBO "
            f"(home currency {qbo.home_currency}).",
            f"{elsewhere} Or turn on multi-currency in QBO (it cannot be turned off again).",
            P.either(ADD_COMPANY, P.QBO_CURRENCY),
        )
        return False
    return True


def header_account(
    ctx: Context, field: str, side: str, account_type: str, purpose: str
) -> str | None:
    """Return the QBO id of the document's AR/AP header account, or record why it cannot be used.

    ``field`` is the export's account number key, ``side`` "AR" or "AP", ``account_type`` the
    QBO AccountType it must have, ``purpose`` how a missing account is named.
    """
    account = N.clean(ctx.tx.get(field))
    account_id = ctx.account_id(account, purpose)
    row = ctx.qbo.get("Account", account_id)
    if row is not None and row.get("AccountType") not in (None, account_type):
        ctx.problem(
            f'GL account "{account}" of {ctx.noun.lower()} {ctx.number}\'s {side} header is a '
            f"{row.get('AccountType')} account in QBO, not {account_type}.",
            f"Point the Manage {side} GL account at an {account_type} account of QBO.",
            P.either(P.MANAGE_GL, P.QBO_ACCOUNTS),
        )
        return None
    return account_id


def category(ctx: Context, entity: str, name: str) -> str | None:
    """Return a Class/Department name that exists or will be created, or record why not."""
    word, plural, create, screen = (
        ("Class", "classes", ctx.settings.create_classes, P.QBO_CLASSES)
        if entity == "Class"
        else ("Location", "locations", ctx.settings.create_locations, P.QBO_LOCATIONS)
    )
    if ctx.qbo.find(entity, name) is not None:
        return name
    if ctx.qbo.inactive(entity, name):
        ctx.problem(
            f'{word} "{name}" is inactive in QBO.', f"Make the {word.lower()} active.", screen
        )
        return None
    if ":" in name:
        why = f"cwqbo does not create nested {plural}"
    elif len(name) > L.LIST_NAME_MAX:
        why = f"longer than QBO's {L.LIST_NAME_MAX} characters"
    elif not create:
        why = f"Create {plural} is off"
    else:
        why = ""
    if why:
        ctx.problem(
            f'{word} "{name}" is not in QBO ({why}).',
            f"Create the {word.lower()} in QBO, or turn on Create {plural} in cwqbo.",
            P.either(screen, P.CWQBO_CATEGORIES),
        )
        return None
    ctx.need(entity, name, {"Name": name}, f'{word} "{name}"')
    return name


def tracking_on(ctx: Context, entity: str) -> bool:
    """Check QBO tracks classes / locations when cwqbo is told to use them."""
    on = ctx.qbo.class_tracking if entity == "Class" else ctx.qbo.department_tracking
    if not on:
        kind, setting = (
            ("classes", "Track classes") if entity == "Class" else ("locations", "Track locations")
        )
        ctx.problem(
            f"cwqbo is set to use {kind}, but QBO does not track {kind}.",
            f"Turn on {setting} in QBO, or turn off Use {kind} in cwqbo.",
            P.either(P.QBO_CATEGORIES, P.CWQBO_CATEGORIES),
        )
    return on
