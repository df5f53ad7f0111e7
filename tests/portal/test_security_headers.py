"""Security headers: a Content-Security-Policy on every page, and HTTPS settings read from the environment."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from portal.security_headers import HEADER
from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"


def _policy(response) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2] for part in response[HEADER].split(";") if part
    }


@pytest.mark.django_db
def test_pages_forbid_inline_script_and_style_but_the_accent_carries_the_nonce(client, world):
    world.a.accent_color = "#0b6e4f"
    world.a.save()
    login(client, world.p1_admin)
    first = client.get(reverse("dashboard", args=["alpha"]))
    second = client.get(reverse("dashboard", args=["alpha"]))
    policy = _policy(first)
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'none'" and policy["form-action"] == "'self'"
    nonce = re.fullmatch(r"'self' 'nonce-([\w-]+)'", policy["style-src"]).group(1)
    html = first.content.decode()
    # The one inline block is the tenant's accent, with this answer's nonce; each answer has its own.
    assert f'<style nonce="{nonce}">:root {{ --accent: #0b6e4f;' in html
    assert nonce not in second[HEADER]
    assert "<script>" not in html and ' style="' not in html and "onclick" not in html
    assert first["X-Frame-Options"] == "DENY" and first["X-Content-Type-Options"] == "nosniff"
    assert first["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_sign_in_page_has_the_policy_and_the_default_accent(client):
    response = client.get(reverse("account_login"))
    assert "script-src 'self'" in response[HEADER]
    assert ":root { --accent: #1f6feb;" in response.content.decode()


@pytest.mark.django_db
def test_api_docs_get_a_policy_of_their_own_and_json_none(client):
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 200
    assert "script-src 'self' 'unsafe-inline'" in docs[HEADER] and "frame-ancestors 'none'" in docs[HEADER]
    # Answers that are not HTML (JSON, PDFs) are no page: the policy would only get in the way of viewers.
    assert HEADER not in client.get("/healthz")


def test_no_template_of_a_page_carries_inline_script_style_or_handlers():
    """The policy would refuse them in the browser: a page that relies on one is broken, so none may."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if "documents" in path.parts:  # PDFs, rendered by WeasyPrint, never by a browser
            continue
        if "drf_spectacular" in path.parts:  # the API docs' page, under a policy of its own
            continue
        text = path.read_text()
        for pattern in (r"\sstyle=", r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", r"\son[a-z]+=\""):
            offenders += [f"{path.relative_to(ROOT)}: {m.group(0).strip()}" for m in re.finditer(pattern, text)]
        if re.search(r"<style(?![^>]*nonce=)", text):
            offenders.append(f"{path.relative_to(ROOT)}: <style> without the nonce")
        if re.search(r"http-equiv=.refresh", text, re.I):
            offenders.append(f"{path.relative_to(ROOT)}: meta refresh")
    assert offenders == []


def _settings_in_a_fresh_process(env: dict[str, str], expression: str) -> str:
    code = (
        "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'; django.setup(); "
        f"from django.conf import settings; print(repr({expression}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    return result.stdout.strip() or result.stderr.strip().splitlines()[-1]


def test_https_settings_are_read_from_the_environment(tmp_path):
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_SECURE")}
    base["PORTAL_VAR_DIR"] = str(tmp_path)
    expression = (
        "(settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "settings.SECURE_HSTS_PRELOAD, settings.SECURE_PROXY_SSL_HEADER, settings.SESSION_COOKIE_SECURE)"
    )
    assert _settings_in_a_fresh_process(base, expression) == "(False, 0, False, False, None, False)"
    production = {
        **base,
        "DJANGO_SECURE_SSL_REDIRECT": "true",
        "DJANGO_SECURE_HSTS_SECONDS": "31536000",
        "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
        "DJANGO_SECURE_HSTS_PRELOAD": "yes",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https",
    }
    assert _settings_in_a_fresh_process(production, expression) == (
        "(True, 31536000, True, True, ('HTTP_X_FORWARDED_PROTO', 'https'), True)"
    )
    wrong = {**base, "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}
    assert "must look like 'X-Forwarded-Proto: https'" in _settings_in_a_fresh_process(wrong, "1")


@pytest.mark.django_db
def test_behind_a_tls_proxy_plain_http_is_redirected_and_https_gets_hsts(client, settings, world):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/accounts/login/"
    # A load balancer's probe over plain HTTP is answered, not redirected.
    assert client.get("/healthz").status_code == 200
    secure = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert client.get(reverse("dashboard", args=["alpha"])).status_code == 301
