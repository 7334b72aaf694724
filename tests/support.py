"""Helpers shared by the tests: the outbox, a CSRF-aware client, the test password."""

from __future__ import annotations

from pathlib import Path

PASSWORD = "correct horse battery staple"


class Outbox:
    """The .eml files the app wrote instead of sending mail."""

    def __init__(self, folder: Path):
        self.folder = folder

    def messages(self):
        from email import policy
        from email.parser import BytesParser

        if not self.folder.is_dir():
            return []
        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(p.read_bytes()) for p in sorted(self.folder.glob("*.eml"))]

    def last_to(self, address: str):
        found = [m for m in self.messages() if m["To"] == address]
        assert found, f"no mail to {address} in {self.folder}"
        return found[-1]

    def link_to(self, address: str, path_part: str) -> str:
        """Return the path of the first link in the last mail to address containing path_part."""
        import re

        body = self.last_to(address).get_body(preferencelist=("plain",)).get_content()
        for link in re.findall(r"https?://\S+", body):
            if path_part in link:
                return re.sub(r"^https?://[^/]+", "", link)
        raise AssertionError(f"no {path_part} link in mail to {address}: {body}")


def csrf_token_from(html: str) -> str:
    import re

    match = re.search(r'"X-CSRFToken": "([^"]+)"', html) or re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', html
    )
    assert match, "page has no CSRF token"
    return match.group(1)


class Browserish:
    """A test client that fills in the CSRF token the way the pages do."""

    def __init__(self, client):
        self.client = client
        self._token = None

    def get(self, url, **kw):
        response = self.client.get(url, **kw)
        if b"X-CSRFToken" in response.data:
            self._token = csrf_token_from(response.get_data(as_text=True))
        return response

    def post(self, url, data=None, **kw):
        if self._token is None:
            self.get("/auth/login", follow_redirects=True)
        data = dict(data or {})
        data.setdefault("csrf_token", self._token)
        return self.client.post(url, data=data, **kw)
