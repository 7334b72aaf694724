"""ConnectWise Manage REST client: credentials, base-URL discovery, paging.

One :class:`ManageClient` per set of credentials; it owns one ``requests.Session``. The API
base is discovered from ``https://<site>/login/companyinfo/<company>`` (reference §1.4) on
first use and cached on the client. Endpoint methods live in the mixins of ``accounting``
and ``reference``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from . import assumptions, paging
from .accounting import AccountingMixin
from .errors import ManageDiscoveryError, ManageNotFound, ManageUnknownCompany
from .paging import FirstPage, FullList
from .reference import ReferenceMixin
from .transport import USER_AGENT, RetryPolicy, Transport, read_json

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class ManageCredentials:
    """What an admin types on the Manage connection form."""

    site: str
    company_id: str
    public_key: str
    private_key: str
    client_id: str

    def __repr__(self) -> str:  # the private key never reaches a log or traceback
        return (
            f"ManageCredentials(site={self.site!r}, company_id={self.company_id!r}, "
            f"public_key={self.public_key!r}, private_key='***', client_id={self.client_id!r})"
        )

    __str__ = __repr__


@dataclass(frozen=True)
class CompanyInfo:
    """The parts of the companyinfo answer the client uses."""

    company_name: str | None
    codebase: str
    version_code: str | None
    is_cloud: bool | None
    site_url: str | None
    api_base: str


def split_site(site: str) -> tuple[str, str]:
    """Return (scheme, host[:port]) of a site typed as ``host`` or ``scheme://host``."""
    text = site.strip().rstrip("/")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if not parts.netloc or parts.scheme not in ("http", "https"):
        raise ManageDiscoveryError(f"not a valid Manage site: {site!r}")
    return parts.scheme, parts.netloc


def api_host(host: str) -> str:
    """Return the API host for a login host (cloud ``na.`` → ``api-na.``; on-premise as is)."""
    name, _, port = host.partition(":")
    if name.endswith(".myconnectwise.net") and not name.startswith("api-"):
        name = "api-" + name
    return f"{name}:{port}" if port else name


def _flag(value: object) -> bool | None:
    """Read companyinfo's IsCloud: Manage sends a string ("true"/"false"), some a boolean."""
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    return True if text in ("true", "1", "yes") else False if text in ("false", "0", "no") else None


def _has_link(response: requests.Response) -> bool:
    return "Link" in response.headers


class ManageClient(AccountingMixin, ReferenceMixin):
    """Talk to one Manage tenant with API-key Basic auth."""

    def __init__(
        self,
        credentials: ManageCredentials,
        *,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = (10.0, 60.0),
        retry: RetryPolicy | None = None,
        api_version: str = assumptions.API_VERSION,
        api_base: str | None = None,
    ):
        self.credentials = credentials
        self.scheme, self.host = split_site(credentials.site)
        self.session = session or requests.Session()
        self.session.auth = requests.auth.HTTPBasicAuth(
            f"{credentials.company_id}+{credentials.public_key}", credentials.private_key
        )
        self.session.headers.update(
            {
                "clientId": credentials.client_id,
                "Accept": f"application/vnd.connectwise.com+json; version={api_version}",
                "User-Agent": USER_AGENT,
            }
        )
        self.transport = Transport(self.session, timeout=timeout, retry=retry)
        self._api_base = api_base.rstrip("/") if api_base else None
        self.company_info: CompanyInfo | None = None

    # -- discovery -------------------------------------------------------------------

    @property
    def companyinfo_url(self) -> str:
        company = quote(self.credentials.company_id, safe="")
        return f"{self.scheme}://{self.host}/login/companyinfo/{company}"

    def discover(self) -> CompanyInfo:
        """Look up the tenant's codebase and API base URL (no auth) and cache it."""
        url = self.companyinfo_url
        try:
            response = self.transport.send("GET", url, auth=False, headers={"clientId": None})
        except ManageNotFound:
            raise ManageUnknownCompany(
                f"company id {self.credentials.company_id!r} is not known at {self.host}",
                status=404,
                url=url,
            ) from None
        try:
            body = response.json() if response.content.strip() else None
        except ValueError:
            raise ManageDiscoveryError(
                f"{self.host} did not answer like a ConnectWise Manage site", url=url
            ) from None
        if not isinstance(body, dict) or not (body.get("Codebase") or body.get("CompanyID")):
            raise ManageUnknownCompany(
                f"company id {self.credentials.company_id!r} is not known at {self.host}",
                url=url,
            )
        codebase = body.get("Codebase") or assumptions.FALLBACK_CODEBASE
        codebase = codebase.strip("/") + "/"
        base = f"{self.scheme}://{api_host(self.host)}/{codebase}apis/3.0"
        info = CompanyInfo(
            company_name=body.get("CompanyName"),
            codebase=codebase,
            version_code=body.get("VersionCode"),
            is_cloud=_flag(body.get("IsCloud")),
            site_url=body.get("SiteUrl"),
            api_base=base,
        )
        self.company_info = info
        self._api_base = base
        log.info("Manage API base for %s is %s", self.credentials.company_id, base)
        return info

    @property
    def api_base(self) -> str:
        if self._api_base is None:
            self.discover()
        assert self._api_base is not None
        return self._api_base

    # -- verbs -----------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"{self.api_base}/{path.lstrip('/')}"

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request to ``path`` under the API base and return its JSON body."""
        url = self.url(path)
        response = self.transport.send(method, url, **kwargs)
        return read_json(response, method=method, url=url)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any, *, idempotent: bool = False) -> Any:
        return self.request(
            "POST",
            path,
            json=body,
            idempotent=idempotent,
            headers={"Content-Type": "application/json"},
        )

    def delete(self, path: str) -> None:
        self.request("DELETE", path)

    # -- listing ---------------------------------------------------------------------

    def iter_pages(
        self,
        path: str,
        *,
        conditions: str | None = None,
        child_conditions: str | None = None,
        order_by: str | None = "id asc",
        fields: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[list[dict]]:
        """Yield each page of a collection, following the ``Link`` header's ``next``."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
        params: dict[str, Any] | None = {"page": 1, "pageSize": page_size}
        for key, value in (
            ("conditions", conditions),
            ("childConditions", child_conditions),
            ("orderBy", order_by),
            ("fields", fields),
        ):
            if value:
                params[key] = value
        url = self.url(path)
        while url:
            response = self.transport.send("GET", url, params=params)
            rows = read_json(response, method="GET", url=url) or []
            if not isinstance(rows, list):
                raise ManageDiscoveryError(f"expected a list from {path}", url=url)
            if rows:
                yield rows
            next_url = response.links.get("next", {}).get("url")
            if next_url:
                url, params = next_url, None
            elif params and len(rows) == page_size and not _has_link(response):
                # No Link header at all: fall back to "a full page means there may be more".
                params = {**params, "page": params["page"] + 1}
            else:
                return

    def read_all(self, path: str, **kwargs: Any) -> FullList:
        """Return every record: the count, then all pages at once, checked (``paging``)."""
        kwargs.setdefault("page_size", MAX_PAGE_SIZE)
        return paging.read_all(self, path, **kwargs)

    def read_first(self, path: str, **kwargs: Any) -> FirstPage:
        """Return the first page and the count, read side by side (``paging``)."""
        return paging.read_first(self, path, **kwargs)

    def iter_records(self, path: str, **kwargs: Any) -> Iterator[dict]:
        """Yield every record of a collection, page after page."""
        for page in self.iter_pages(path, **kwargs):
            yield from page

    def count(self, path: str, conditions: str | None = None) -> int:
        """Return ``GET {path}/count`` for the same conditions."""
        params = {"conditions": conditions} if conditions else None
        body = self.get(f"{path.rstrip('/')}/count", params)
        return int((body or {}).get("count", 0))

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> ManageClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
