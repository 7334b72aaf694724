"""Every UNCONFIRMED choice the invoice mapping makes, with its reason, in one place.

Neither the seeds nor the API references settle these. Where the code reads a value it is a
constant here; structural choices are described in comments. Change one and the tests in
tests/transfer/ say what moved. Verify against a real Manage tenant and QBO company.
"""

from __future__ import annotations

# --- Names --------------------------------------------------------------------------------

# Contacts tab "Append account name": a QBO customer cwqbo creates is named
# "<company> (<account>)" with the Manage company finance Account. It names new records only
# (issue 13): a company is first looked up by its pairing, then by its plain name, then by
# the appended one (cwqbo.transfer.pairing), so customers already in QBO under their plain
# names are used, never duplicated. Two companies of one name cannot share a QBO record: a
# record paired with one company is not matched for another, and two in one batch are a
# problem. A company without an account number keeps its plain name; CompanyName is plain.
APPENDED_NAME_FORMAT = "{name} ({account})"

# QBO refuses ":" in DisplayName and reads it as parent:child in Item names, so a colon in a
# Manage name is replaced rather than forcing a rename in Manage. Tabs and newlines become one
# space; names are trimmed. An empty company name falls back to the company identifier.
# Names over QBO's limits (limits.py: DisplayName 500, CompanyName 100, Item 100, Term 31,
# Class/Location 100) are problems, never cut: the user's books must not change silently.
NAME_COLON_REPLACEMENT = "-"

# Service item source "GL account": one Service item per GL account, named by the account's
# last segment ("Income:Services:Projects" -> "Projects"), as the sample's "Managed Services"
# item is. Such an item must post to the line's account (QBO's line ItemAccountRef is
# read-only), so an item of that name with another income account is never reused: the full
# path joined by ACCOUNT_ITEM_JOIN ("Income - Services - Projects") is tried next, then a
# problem. A name over 100 characters is not tried (never cut).
ACCOUNT_ITEM_JOIN = " - "

# Deferred revenue (RD) lines without a GL-mapping productId (seed 002).
DOWN_PAYMENT_ITEM = "Down Payment"

# Which Manage GL account row a line's accountNumber is: how the export joins segment1..10 is
# unknown (reference §5.3); these joiners are tried in order, RD rows first.
SEGMENT_JOINERS = ("", ":", "-", ".")

# --- Accounts -----------------------------------------------------------------------------

# A Manage account name is matched to QBO's FullyQualifiedName case-insensitively, then to
# the QBO account number (AcctNum; "Mobius maps by QBO account Name or Number", reference
# §5.3). The AR header's account must be of type Accounts Receivable.

# --- Items --------------------------------------------------------------------------------

# Product Type "Type Xref" -> QBO Item Type, ignoring case, spaces and hyphens. QBO has no
# "Other Charge"; like a QuickBooks Desktop conversion it becomes a Service item.
TYPE_XREF_ITEM_TYPE = {
    "inventorypart": "Inventory",
    "noninventorypart": "NonInventory",
    "service": "Service",
    "othercharge": "Service",
}
# Products tab: "Track quantity on hand" off -> inventory parts become NonInventory items
# (seed 003 "Handle Inventory" passes quantity and asset account only when on); "Create
# products as service items" on -> every new product item is a Service item.
UNTRACKED_INVENTORY_TYPE = "NonInventory"
# New product items: Sku = the Manage identifier as is, Description = the item description,
# IncomeAccountRef = the line's GL account (else the Products tab income account),
# ExpenseAccountRef = the line's costAccountNumber (else the Products tab COGS account;
# optional for NonInventory), AssetAccountRef = inventoryAccountNumber (else the Products
# tab asset account); Inventory items start with QtyOnHand 0 and InvStartDate = the date of
# the document that first needs them.
# An unknown or empty Type Xref is a problem only when the item has to be created. Existing
# QBO items are used as they are (their own income account wins), except GL-account items.

# Service item source "work role"/"work type": the detail line fields are named "workRole"
# and "workType" ({id, name}); reference §3.7 and the OpenAPI subset do not list them (the
# Manage sandbox sample carries them on R lines). The subset does list `timeEntry` (a
# TimeEntryReference): if real exports lack the two fields, ManageReference must read the
# lines' time entries (/time/entries, id in (...)) and fill them in before planning.
# Only time lines (glTypeId "R") have them; agreement, expense and other product-less lines
# use the GL-account item. A new work role/type item posts to the account of the first line
# that needs it.
WORK_ROLE_FIELD = "workRole"
WORK_TYPE_FIELD = "workType"
TIME_GL_TYPES = ("R",)

# --- Lines --------------------------------------------------------------------------------

# GL types that are not document lines: sales tax (QBO computes tax from the tax codes).
NOT_LINES = ("ST",)
# Sales tab "Display UOM": appended to the description like this (unitOfMeasure may be a
# string or a {id, name} reference).
UOM_FORMAT = "{description} ({uom})"
# Summary: product lines stay one per Manage line with their own description; lines without
# a product are merged per (service item, tax code, class) into one line described by the
# item name, with Qty summed only when all merged lines share one unit price. Detailed: one
# QBO line per Manage line with the Manage description.
# Qty and UnitPrice are sent only when round(Qty x UnitPrice, 2) == Amount (fault 6070).
# Signs: document amount = GL amount x -1 when the Manage total is positive, x +1 when it is
# negative (credit memos), so the document total is positive; a $0 document counts as a
# credit memo only if Manage says so. The "Down Payment Applied" RD line (positive GL total)
# thus becomes a negative invoice line.

# --- Document -----------------------------------------------------------------------------

# A Manage credit memo: documentType "CREDIT MEMO", billingType/invoiceType "CreditMemo"
# (spaces, underscores and case ignored), or a negative total. It becomes a QBO CreditMemo.
CREDIT_MEMO_TYPES = ("creditmemo",)
# Credit memos carry no SalesTermRef/DueDate (nothing is due) and no e-payment flags (the
# CreditMemo XSD has no Allow*Payment elements). Invoices get all four Allow* flags, true or
# false as set, only when "Allow e-payments" is on.
# ARAccountRef is sent: the XSD's SalesTransaction accepts it on Invoice and CreditMemo but
# documents it as "Product: QBW"; QBO may ignore it and post to its default A/R account.
SEND_AR_ACCOUNT = True
# CurrencyRef is sent when the document currency differs from the home currency, and also for
# home-currency documents once QBO multi-currency is on (reference §7 Invoice). ExchangeRate
# is never sent (QBO's rate is used; the export has none).
# PrivateNote (internal memo) names the Manage document; CustomerMemo is left empty.
PRIVATE_NOTE_FORMAT = "ConnectWise Manage {kind} {number} (id {id})"
# Where Manage invoice numbers (prefixes) are set, named in the DocNumber length problem.
DOC_NUMBER_SCREEN = "Manage › System › Setup Tables › Billing Setup (invoice number prefix)"
# TxnDate/DueDate: the date part of ISO dates, or US-style "5/1/2014 5:21:58 AM" (Zynk XML);
# an unreadable document date is a problem.

# --- Tax ----------------------------------------------------------------------------------

# Explicit mapping (Taxes tab) first, with no level check (the user chose it). Otherwise a
# QBO tax code named like the Manage code, else one whose sales rates are exactly the Manage
# levels' Tax Code Xrefs; the levels (Tax Code Xref = QBO rate name, rate) must then match
# one to one. Rates: Manage decimal (0.06) vs QBO percent (6), within this many points.
RATE_TOLERANCE = "0.0005"
# Level rates come from GLExportCustomer.taxLevels[].taxRate when the customer's tax code is
# the invoice's, else from the invoice's ST lines' taxRate; if neither says, only names are
# compared. Levels with an empty Tax Code Xref are unused levels and ignored.
# The invoice's tax code is validated when the invoice is taxable (GLExport header "taxable")
# or any line is; an invoice with neither needs no QBO tax code. US: that code goes in the
# header TxnTaxCodeRef (also with no taxed line: QBO then computes 0), lines are TAX/NON by
# taxableFlag, and Taxes-tab exempt items do not apply. Outside the US every line
# needs a real code: non-taxable lines and exempt items get the exempt sales tax code, or,
# when none is chosen, the invoice's own code if all its QBO rates are 0 % (an exempt
# customer); else a problem. GlobalTaxCalculation is "TaxExcluded" (Manage adds tax on top).
# QBO with sales tax off: no tax fields are sent; a Manage invoice that charged tax is a
# problem.

# --- Categories ---------------------------------------------------------------------------

# Classes come from line glClass, locations (QBO departments) from the header glClass. When
# QBO tracks classes per transaction the lines' single class goes on the header; lines in
# several classes are a problem. Names with ":" are looked up by full name, never created.

# --- Batch consistency --------------------------------------------------------------------

# plan_invoice records in the QBOReference which Manage object each not-yet-created name is
# planned for (Customer: Manage company id; Item: product, GL account, work role/type). A
# second company or account wanting the same new name in the same batch gets a problem (or
# the GL-account item's second name) instead of silently sharing one QBO object. Nothing is
# written to QBO or Manage. An inactive QBO object holding a name is a problem ("make it
# active"), never a create (the create would fail with 6240).

# --- Loading ------------------------------------------------------------------------------

# QBOReference.load sends its queries (6 whole lists + name IN-lists of 30) inside QBO batch
# requests of up to 30 queries, so a typical batch loads with 3 HTTP calls (CompanyInfo,
# Preferences, one batch). A list that fills a 1000-row page is re-read with paging.
# Account/Term/Class/Department and the named Customer/Vendor/Employee/Item rows are read
# active or not (inactive names still collide); TaxCode/TaxRate as QBO lists them.
# names_needed(export, settings, manage) needs the ManageReference to know GL-mapping
# product ids of RD lines; without it only "Down Payment" is looked up.
QUERY_PAGE = 1000
