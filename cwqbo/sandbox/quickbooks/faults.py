"""QBO's error bodies, raised inside the sandbox and rendered by the app.

Also the QBO renderer of the shared faults (cwqbo.sandbox.faults): ``throttle()`` (3001, 429),
``system_failure()`` (10000, 500), ``forbidden()`` (3100, 403 for denied paths).
"""

from __future__ import annotations

from typing import Any

INACTIVE_DETAIL = (
    "Something you're trying to use has been made inactive. Check the fields with accounts, "
    "customers, items, vendors or employees."
)


class Fault(Exception):
    """One QBO fault; ``body()`` is the JSON QBO would send."""

    def __init__(
        self,
        code: str,
        message: str,
        detail: str = "",
        *,
        status: int = 400,
        element: str = "",
        kind: str = "ValidationFault",
    ) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.detail = detail or message
        self.status = status
        self.element = element
        self.kind = kind

    def fault(self) -> dict[str, Any]:
        return {
            "Error": [
                {
                    "Message": self.message,
                    "Detail": self.detail,
                    "code": self.code,
                    "element": self.element,
                }
            ],
            "type": self.kind,
        }


def duplicate_name() -> Fault:
    return Fault(
        "6240",
        "Duplicate Name Exists Error",
        "The name supplied already exists. : Another customer, vendor or employee is already "
        "using this name. Please use a different name.",
    )


def duplicate_list_name(entity: str) -> Fault:
    return Fault(
        "6240",
        "Duplicate Name Exists Error",
        f"The name supplied already exists. : Another {entity.lower()} is already using this name.",
    )


def duplicate_doc(doc: str, txn_type: str, txn_id: str) -> Fault:
    return Fault(
        "6140",
        "Duplicate Document Number Error",
        "Duplicate Document Number Error : You must specify a different number. This number has "
        f"already been used. DocNumber={doc} is assigned to TxnType={txn_type} with TxnId={txn_id}",
    )


def stale(entity: str) -> Fault:
    return Fault(
        "5010",
        "Stale Object Error",
        f"Stale Object Error : You and root were working on this at the same time. root "
        f"finished before you did, so your work was not saved. ({entity})",
    )


def not_found(entity: str, entity_id: str) -> Fault:
    return Fault(
        "610", "Object Not Found", f"Object Not Found : {INACTIVE_DETAIL} ({entity} {entity_id})"
    )


def invalid_ref(entity: str, ref_id: str, element: str) -> Fault:
    return Fault(
        "2500",
        "Invalid Reference Id",
        f"Invalid Reference Id : {entity} element id {ref_id} not found",
        element=element,
    )


def missing(element: str) -> Fault:
    return Fault(
        "2020",
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {element} is missing in the request",
        element=element,
    )


def business(detail: str) -> Fault:
    return Fault(
        "6000",
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {detail}",
    )


def unsupported(detail: str) -> Fault:
    return Fault("500", "Unsupported Operation", detail, kind="ValidationFault")


def system_failure() -> Fault:
    return Fault(
        "10000",
        "An application error has occurred while processing your request",
        "System Failure Error",
        status=500,
        kind="SystemFault",
    )


def auth_body() -> dict[str, Any]:
    """401 body: QBO uses lowercase keys here, unlike every other fault."""
    return {
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": "Token expired or invalid",
                    "code": "3200",
                }
            ],
            "type": "AUTHENTICATION",
        }
    }


def throttle() -> Fault:
    return Fault(
        "3001",
        "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        "The request limit was reached.",
        status=429,
        kind="SERVICE",
    )


def forbidden() -> Fault:
    return Fault(
        "3100",
        "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
        "The token is not valid for this company.",
        status=403,
        kind="SERVICE",
    )
