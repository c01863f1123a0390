"""Passwords, security headers and the deploy check (issue 7, item 9)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "portal" / "templates"


def example_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a production container: .env.example as docker compose reads it."""
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        # What the Dockerfile sets: collectstatic's output.
        "DOUDI_STATIC_ROOT": str(tmp_path / "static"),
        **values,
    }


def run_in_production(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=example_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_the_deploy_check_with_the_example_environment(tmp_path):
    result = run_in_production(
        tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PRODUCTION_RESPONSE = """
import json, django
django.setup()
from django.test import Client
client = Client()
https = client.get("/login/", HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https")
http = client.get("/login/", HTTP_HOST="localhost")
print(json.dumps({"https": [https.status_code, dict(https.headers)],
                  "http": [http.status_code, dict(http.headers)]}))
"""


def test_it_sends_hsts_and_redirects_to_https_in_production(tmp_path):
    # No database is reachable here: the sign-in page must not need one.
    result = run_in_production(
        tmp_path,
        "-c",
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'\n"
        + PRODUCTION_RESPONSE,
    )
    assert result.returncode == 0, result.stderr
    responses = json.loads(result.stdout.strip().splitlines()[-1])
    status, headers = responses["https"]
    assert status == 200
    assert re.fullmatch(
        r"max-age=\d{8,}; includeSubDomains; preload", headers["Strict-Transport-Security"]
    )
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    status, headers = responses["http"]
    assert status == 301
    assert headers["Location"] == "https://localhost/login/"


@pytest.mark.django_db
def test_it_sends_a_strict_content_security_policy(client):
    response = client.get("/login/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy


def test_it_keeps_inline_script_and_style_out_of_the_templates():
    # The policy forbids them; a template that used one would break in the browser.
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in inline.finditer(path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Xq7#kp2zz", "至少 10 个字符"),
        ("password1234", "太常见"),
        ("20260302123456", "只包含数字"),
    ],
)
def test_it_refuses_a_weak_password_in_chinese(password, reason):
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as refused:
            validate_password(password)
        messages = [str(message) for message in refused.value.messages]
    assert any(reason in message for message in messages), messages


def test_it_accepts_a_long_uncommon_password():
    validate_password("兜底-审批-cold-river-42")
