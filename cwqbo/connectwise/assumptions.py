"""Every UNCONFIRMED behaviour of Manage that cwqbo relies on, decided in one place.

Each constant names the section of ../shared/reference/connectwise-manage-api.md that
leaves it open. The sandbox follows the same choices, so changing one here changes both
sides; verify against a real tenant before trusting any of them.
"""

from __future__ import annotations

# §3.6 / §6.1: which id of an UnpostedInvoice goes into ExportAccountingBatchRequest
# .includedInvoiceIds: `billingLogId` (the invoice's own id, also GLExportTransaction.id).
# Sources: SmartConnect's ConnectWise REST connector (`REST Connector/ConnectWise 1.0.0.1.json`,
# endpoint "01 List Unposted Invoices", builds includedInvoiceIds from billingLogId) and
# RationallyPrime `connectwise-etl` (`fabric_api/extract.py`, sends the billing-log id).
# An earlier reading ("SmartConnect sends the unposted row id") was wrong. cwqbo still names a
# row by its own `id` (selection, claims); ManageClient.export_ids_for looks the export ids up.
# Whatever the id, a short export is never silent: each transaction left out fails with
# "ConnectWise exported N of M invoices asked for: …" (accounting.export_shortfall, used by
# cwqbo.transfer.steps.read_export for the runner and the preview).
INVOICE_EXPORT_ID_FIELD = "billingLogId"

# §3.6: expenses use the UnpostedExpense `expenseDetailId` (SmartConnect's connector), not the
# unposted row `id`. Same loud count check.
EXPENSE_EXPORT_ID_FIELD = "expenseDetailId"

# §3.6 / §6.1: procurement uses `unpostedProductId` (a string, like the request field; pywyse),
# not the UnpostedProcurement `id`.
PRODUCT_EXPORT_ID_FIELD = "unpostedProductId"

# §3.6: value of glInterfaceIdentifier on export and batch requests (integrations send "0").
GL_INTERFACE_IDENTIFIER = "0"

# §3.6: locationId 0 on export means "all locations".
EXPORT_ALL_LOCATIONS = 0

# §3.8 / §6.2: which GLExport ids go into CreateAccountingBatchRequest.processedRecordIds.
# Invoices: the header's comma-separated glEntryIds UNION every detail[].id. Real exports carry
# two different sets (Zynk's sample: the header list and the detail ids differ; the reference's
# example lists the AR entry and some lines in glEntryIds while the tax line is only in detail),
# and SmartConnect's maps collect both, so sending either set alone can leave GL entries
# behind and the invoice "unposted". The sandbox's exports differ the same way (glEntryIds =
# the AR entry + the revenue lines; tax lines only in detail[]), so both halves are exercised.
# Expenses: expenses[].id and expenses[].offset.id, and every expenseBills[].detail[].id.
# Procurement: purchaseDetail[].id and purchaseDetailTax[].id (freight lines included).
# Implemented by cwqbo.connectwise.glexport.processed_record_ids.

# §3.8 / §6.3: the POST /finance/accounting/batches response body is unknown (spec says
# GLExport; the sandbox answers the GLExport), so its `id` is never taken for the batch's.
# ManageClient.create_batch looks the batch up by batchIdentifier afterwards (True). A run
# does not: its marks post with look_up=False and the created batches' ids are READ BACK IN
# BULK, `batchIdentifier in (...)` 100 a GET (ManageClient.find_batches, cwqbo.transfer
# .marking), about 1.01 Manage calls per transaction instead of 2. Chosen over deferring the
# look-up to the unbatch: the batch id is then on the status page and in the batch log at
# once. A transaction is "batched" as soon as its POST is answered; should the read-back
# fail (or the worker die before it), its id stays empty and Unbatch looks the batch up by
# its identifier first.
LOOKUP_BATCH_AFTER_CREATE = True

# §2.1: the unposted lists are read with navigable paging (`page=`, `orderBy=id asc`), never
# forward-only (unconfirmed on the accounting endpoints), and `/count` takes the same
# conditions. So the selection page reads the count and then every page AT ONCE
# (cwqbo.connectwise.paging, 8 at a time); rows that do not add up to the count (a transaction
# batched or unbatched between the reads) are read again once, then the page says so.

# §3.8: DELETE /finance/accounting/batches/{id} returns every record of the batch to the
# unposted lists (what the UI's "Delete Batches" does).
DELETE_BATCH_RETURNS_RECORDS = True

# §1.4: what companyinfo answers for a company id the site does not know. Observed
# behaviour is undocumented; the client treats a 404, an empty/`null` body or a body
# without `Codebase` as "unknown company". The sandbox answers 404 with an empty body.
COMPANYINFO_UNKNOWN_STATUS = 404

# §1.4: codebase used when companyinfo answers but leaves Codebase empty (on-premise
# routers accept it and forward to the current release).
FALLBACK_CODEBASE = "v4_6_release/"

# §2.2: strings in conditions are double-quoted; a `"` or `\` inside is escaped with a
# backslash. How Manage escapes quotes is not documented.
CONDITION_QUOTE = '"'
CONDITION_ESCAPE = "\\"

# §1.5: model version pinned in the Accept header.
API_VERSION = "2025.1"

# §1.1: requests without a clientId header are rejected with 401 (third-party report).
MISSING_CLIENT_ID_STATUS = 401

# §1.1: a clientId that is not registered at developer.connectwise.com is answered 400 with
# "clientId" in the message (third-party setup guide); the probe names it on the form.
UNREGISTERED_CLIENT_ID_STATUS = 400

# §4.2: invoice payments — several payments per invoice are accepted, and a payment larger
# than the invoice's open balance is rejected with 400.
# Payment sync (cwqbo.transfer.payments) therefore writes one Manage payment per QBO payment
# applied to the invoice (dated by the QBO payment, so Manage's Date Paid is the day it was
# paid in full). False: one summed payment per invoice, replaced by delete + create when the
# paid amount changes. Either way, if Manage refuses a second payment on an invoice (an older
# Manage held one), that invoice gets one summed payment instead, and the run says so. The
# Manage sandbox refuses a second payment when this is False or when its
# ``singlePaymentPerInvoice`` knob (POST /_sandbox/reset) is true.
MULTIPLE_PAYMENTS_PER_INVOICE = True
