"""Production settings pass Django's deployment checklist; the embedded default stays plain http."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, env: dict[str, str], var_dir: Path) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SYSOPS_", "AXES_", "API_THROTTLE_"))
    }
    environment |= {"DJANGO_SETTINGS_MODULE": "config.settings", "SYSOPS_VAR_DIR": str(var_dir)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_settings_pass_check_deploy_without_a_warning(tmp_path):
    production = {
        "DJANGO_SECURE": "true",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "sysops.example.com",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
    }

    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production, var_dir=tmp_path
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_embedded_default_fails_check_deploy_for_https(tmp_path):
    """Without DJANGO_SECURE the HTTPS-only settings are off, so `make run` works on plain http."""
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={"DJANGO_SECRET_KEY": secrets.token_urlsafe(64)},
        var_dir=tmp_path,
    )

    assert result.returncode != 0
    assert "security.W004" in result.stderr  # HSTS
    assert "security.W012" in result.stderr  # session cookie over http


def test_the_embedded_default_serves_plain_http_with_cookies_it_can_keep():
    assert not settings.SESSION_COOKIE_SECURE
    assert not settings.SECURE_SSL_REDIRECT
    assert settings.SECURE_HSTS_SECONDS == 0


@pytest.mark.django_db(databases="__all__")
def test_every_page_carries_a_content_security_policy():
    response = Client().get("/accounts/login/")

    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.django_db(databases="__all__")
def test_every_form_carries_a_csrf_token_and_a_post_without_it_is_refused():
    client = Client(enforce_csrf_checks=True)

    assert "csrfmiddlewaretoken" in client.get("/accounts/login/").content.decode()
    assert "csrfmiddlewaretoken" in client.get("/register/").content.decode()
    assert client.post("/accounts/login/", {"username": "x", "password": "y"}).status_code == 403


def test_new_passwords_are_hashed_with_argon2():
    from config import settings as production_settings

    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
