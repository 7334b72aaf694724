"""The one form field (templates/_form_field.html): an input names its hint and each of its
errors with aria-describedby, so a screen reader reads them with the field."""

from __future__ import annotations

import re

from support import csrf_token_from


def test_an_invalid_field_names_its_errors(web, make_user):
    make_user("admin@example.com")
    token = csrf_token_from(web.get("/auth/login").get_data(True))
    html = web.post(
        "/auth/login", data={"csrf_token": token, "email": "", "password": ""}
    ).get_data(True)
    field = re.search(r'<input[^>]*id="email"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field
    described = re.search(r'aria-describedby="([^"]+)"', field).group(1).split()
    assert described, field
    for target in described:
        assert re.search(rf'<small class="error" id="{target}">[^<]+</small>', html), target


def test_a_valid_field_is_described_by_nothing_missing(web):
    html = web.get("/auth/login", follow_redirects=True).get_data(True)
    for target in re.findall(r'aria-describedby="([^"]+)"', html):
        for one in target.split():
            assert f'id="{one}"' in html, one
