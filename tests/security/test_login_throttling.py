"""Password guessing is slowed everywhere a password is taken: django-axes locks a username out
from an address after AXES_FAILURE_LIMIT failures (portal, admin, API token), and DRF throttles
the API (a strict `credentials` scope for registration and tokens). Both count the client's address
as the trusted proxies saw it, never as the client wrote it in X-Forwarded-For."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db(databases="__all__")

PASSWORD = "correct horse battery staple"


@pytest.fixture
def member(db):
    return get_user_model().objects.create_user("member", password=PASSWORD, is_staff=True)


def rate_of(scope: str) -> int:
    """How many requests a scope allows per period, from the settings in force."""
    return int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope].split("/")[0])


@pytest.mark.parametrize(
    ("url", "signed_in"),
    [
        ("/accounts/login/", lambda response: response.status_code == 302),
        ("/admin/login/", lambda response: response.status_code == 302),
    ],
)
def test_a_page_login_is_locked_after_the_allowed_failures(member, url, signed_in):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(url, {"username": "member", "password": "wrong"}).status_code == 200
    # The failure that reaches the limit is answered with the lockout already.
    assert client.post(url, {"username": "member", "password": "wrong"}).status_code == 429

    locked = client.post(url, {"username": "member", "password": PASSWORD})

    assert locked.status_code == 429
    assert not signed_in(locked)
    assert "_auth_user_id" not in client.session


def test_fewer_failures_than_the_limit_still_let_the_right_password_in(member):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/accounts/login/", {"username": "member", "password": "wrong"})

    assert (
        client.post("/accounts/login/", {"username": "member", "password": PASSWORD}).status_code
        == 302
    )


def test_the_api_token_is_locked_after_the_allowed_failures(member):
    """Locked out, the right password gets the same 400 as a wrong one: no token, and no sign for a
    guesser that this one was right."""
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert (
            client.post("/api/auth/token/", {"username": "member", "password": "x"}).status_code
            == 400
        )

    locked = client.post("/api/auth/token/", {"username": "member", "password": PASSWORD})

    assert locked.status_code == 400
    assert "token" not in locked.json()


def test_the_lockout_is_per_username_so_other_users_still_sign_in(member):
    get_user_model().objects.create_user("neighbour", password=PASSWORD)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "member", "password": "wrong"})

    assert (
        client.post("/accounts/login/", {"username": "neighbour", "password": PASSWORD}).status_code
        == 302
    )


def test_the_token_endpoint_answers_429_past_the_credentials_rate(member):
    client = APIClient()
    for _ in range(rate_of("credentials")):
        assert (
            client.post(
                "/api/auth/token/", {"username": "member", "password": PASSWORD}
            ).status_code
            == 200
        )

    throttled = client.post("/api/auth/token/", {"username": "member", "password": PASSWORD})

    assert throttled.status_code == 429
    assert "Retry-After" in throttled.headers


def test_registration_answers_429_past_the_credentials_rate():
    client = APIClient()
    for _ in range(rate_of("credentials")):
        assert client.post("/api/customer/register/", {}).status_code == 400

    assert client.post("/api/customer/register/", {}).status_code == 429


def test_an_anonymous_client_is_throttled_at_the_anonymous_rate(db):
    client = APIClient()
    for _ in range(rate_of("anon")):
        assert client.get("/api/customer/contracts/").status_code == 200

    assert client.get("/api/customer/contracts/").status_code == 429


def test_a_signed_in_customer_is_throttled_at_the_user_rate(api):
    for _ in range(rate_of("user")):
        assert api.get("/api/customer/tickets/").status_code == 200

    assert api.get("/api/customer/tickets/").status_code == 429


# X-Forwarded-For as a client may write it, then as each proxy appends the address it saw.
def forwarded_for(*hops: str) -> dict:
    return {"HTTP_X_FORWARDED_FOR": ", ".join(hops)}


@pytest.fixture
def behind_one_proxy(settings):
    """The web process behind one proxy (at 10.0.0.2) that appends the client's address."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    return {"REMOTE_ADDR": "10.0.0.2"}


def test_without_a_trusted_proxy_a_made_up_forwarded_for_escapes_no_throttle(db):
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
    client = APIClient()
    for attempt in range(rate_of("credentials")):
        made_up = forwarded_for(f"203.0.113.{attempt}")
        assert client.post("/api/customer/register/", {}, **made_up).status_code == 400

    made_up = forwarded_for("203.0.113.99")
    assert client.post("/api/customer/register/", {}, **made_up).status_code == 429


def test_without_a_trusted_proxy_a_made_up_forwarded_for_escapes_no_lockout(member):
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/",
            {"username": "member", "password": "wrong"},
            **forwarded_for(f"203.0.113.{attempt}"),
        )

    locked = client.post(
        "/accounts/login/",
        {"username": "member", "password": PASSWORD},
        **forwarded_for("203.0.113.99"),
    )

    assert locked.status_code == 429


def test_behind_a_proxy_the_address_it_saw_is_throttled_whatever_the_client_wrote(
    db, behind_one_proxy
):
    client = APIClient(**behind_one_proxy)
    for attempt in range(rate_of("credentials")):
        hops = forwarded_for(f"203.0.113.{attempt}", "198.51.100.7")
        assert client.post("/api/customer/register/", {}, **hops).status_code == 400

    same_client = forwarded_for("203.0.113.99", "198.51.100.7")
    assert client.post("/api/customer/register/", {}, **same_client).status_code == 429
    another_client = forwarded_for("198.51.100.8")
    assert client.post("/api/customer/register/", {}, **another_client).status_code == 400


def test_behind_a_proxy_the_address_it_saw_is_locked_out_whatever_the_client_wrote(
    member, behind_one_proxy
):
    client = Client(**behind_one_proxy)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/",
            {"username": "member", "password": "wrong"},
            **forwarded_for(f"203.0.113.{attempt}", "198.51.100.7"),
        )

    same_client = client.post(
        "/accounts/login/",
        {"username": "member", "password": PASSWORD},
        **forwarded_for("203.0.113.99", "198.51.100.7"),
    )
    another_client = Client(**behind_one_proxy).post(
        "/accounts/login/",
        {"username": "member", "password": PASSWORD},
        **forwarded_for("198.51.100.8"),
    )

    assert same_client.status_code == 429
    assert another_client.status_code == 302
