"""API tokens behave: stored as digests, refused after their lifetime, revoked by a logout, by a
password change (however it is changed) and by their owner on the portal's "API tokens" page."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from identity.models import ApiToken
from identity.services import api_token_issue
from tests.customer_quantum.factories import CustomerFactory

pytestmark = pytest.mark.django_db(databases="__all__")

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new pass phrase 7"


def token_for(username: str, password: str = PASSWORD) -> str:
    response = APIClient().post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def accepted(token: str) -> bool:
    """Whether the customer API takes the token (a refused one is a 403 with `Invalid token.`)."""
    response = APIClient().get("/api/customer/tickets/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code in (200, 403), response.content
    return response.status_code == 200


def test_a_token_from_the_password_signs_the_customer_in(customer_user):
    token = token_for(customer_user.username)

    assert accepted(token)


def test_only_a_digest_of_the_token_is_stored(customer_user):
    token = token_for(customer_user.username)

    stored = ApiToken.objects.get(user=customer_user)
    assert token not in (stored.digest, stored.token_key)
    assert stored.token_key == token[: len(stored.token_key)]


def test_a_token_notes_its_client_and_when_it_was_last_used(customer_user):
    response = APIClient().post(
        "/api/auth/token/",
        {"username": customer_user.username, "password": PASSWORD},
        format="json",
        HTTP_USER_AGENT="SysopsSquad-iOS/3.2",
    )
    token = response.json()["token"]
    stored = ApiToken.objects.get(user=customer_user)
    assert (stored.client, stored.last_used) == ("SysopsSquad-iOS/3.2", None)

    before = timezone.now()
    assert accepted(token)

    stored.refresh_from_db()
    assert before <= stored.last_used <= timezone.now()


def test_a_token_in_steady_use_writes_its_last_use_once_a_minute(customer_user):
    token = token_for(customer_user.username)
    assert accepted(token)
    first_use = ApiToken.objects.get(user=customer_user).last_used

    assert accepted(token)
    assert ApiToken.objects.get(user=customer_user).last_used == first_use

    ApiToken.objects.filter(user=customer_user).update(last_used=first_use - timedelta(minutes=1))
    assert accepted(token)
    assert ApiToken.objects.get(user=customer_user).last_used > first_use


def test_a_token_expires_after_its_lifetime(customer_user):
    before = timezone.now()
    response = APIClient().post(
        "/api/auth/token/",
        {"username": customer_user.username, "password": PASSWORD},
        format="json",
    )

    lifetime = settings.REST_KNOX["TOKEN_TTL"]
    stored = ApiToken.objects.get(user=customer_user)
    assert before + lifetime <= stored.expiry <= timezone.now() + lifetime
    assert response.json()["expiry"] == stored.expiry.isoformat().replace("+00:00", "Z")

    ApiToken.objects.filter(pk=stored.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert not accepted(response.json()["token"])
    assert not ApiToken.objects.filter(pk=stored.pk).exists()


def test_a_users_expired_tokens_go_when_the_user_is_issued_a_new_one(customer_user):
    in_force, expired = (api_token_issue(user=customer_user)[0] for _ in range(2))
    neighbour = get_user_model().objects.get(pk=CustomerFactory().user_id)
    neighbours_expired = api_token_issue(user=neighbour)[0]
    ApiToken.objects.filter(pk__in=[expired.pk, neighbours_expired.pk]).update(
        expiry=timezone.now() - timedelta(seconds=1)
    )

    new = api_token_issue(user=customer_user)[0]

    assert set(ApiToken.objects.values_list("pk", flat=True)) == {
        in_force.pk,
        neighbours_expired.pk,
        new.pk,
    }


def test_a_signed_in_request_reads_its_token_and_user_in_one_statement(customer_user):
    """knox's own authentication also reads every other token of the user at each request."""
    token = token_for(customer_user.username)
    for _ in range(2):
        token_for(customer_user.username)
    assert accepted(token)  # notes its last use, once a minute

    with CaptureQueriesContext(connections["default"]) as identity_database:
        assert accepted(token)

    assert len(identity_database.captured_queries) == 1


def test_the_lifetime_is_a_setting(customer_user, settings):
    settings.REST_KNOX = {"TOKEN_TTL": timedelta(hours=1)}

    token_for(customer_user.username)

    expiry = ApiToken.objects.get(user=customer_user).expiry
    assert expiry <= timezone.now() + timedelta(hours=1)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": 0, "password": PASSWORD}, "username"),
        ({"username": "someone", "password": 1234}, "password"),
        ({"username": ["someone"], "password": PASSWORD}, "username"),
        ({"username": "someone"}, "password"),
        ({"password": PASSWORD}, "username"),
    ],
)
def test_a_wrong_type_or_a_missing_field_is_a_400_naming_the_field(customer_user, body, field):
    response = APIClient().post("/api/auth/token/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not ApiToken.objects.exists()


def test_a_form_body_is_a_415(customer_user):
    response = Client().post(
        "/api/auth/token/", {"username": customer_user.username, "password": PASSWORD}
    )

    assert response.status_code == 415
    assert not ApiToken.objects.exists()


def test_a_wrong_password_is_a_400_and_no_token(customer_user):
    response = APIClient().post(
        "/api/auth/token/", {"username": customer_user.username, "password": "wrong"}
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}
    assert not ApiToken.objects.exists()


def test_an_api_logout_revokes_the_token_it_is_signed_with_only(customer_user):
    phone, laptop = token_for(customer_user.username), token_for(customer_user.username)

    response = APIClient().post("/api/auth/logout/", HTTP_AUTHORIZATION=f"Token {phone}")

    assert response.status_code == 204
    assert not accepted(phone)
    assert accepted(laptop)


def test_logging_out_everywhere_revokes_every_token_of_the_user_only(customer_user):
    phone, laptop = token_for(customer_user.username), token_for(customer_user.username)
    neighbour = get_user_model().objects.get(pk=CustomerFactory().user_id)
    neighbours = token_for(neighbour.username)

    response = APIClient().post("/api/auth/logout-everywhere/", HTTP_AUTHORIZATION=f"Token {phone}")

    assert response.status_code == 204
    assert not accepted(phone)
    assert not accepted(laptop)
    assert accepted(neighbours)


def test_logging_out_without_a_token_is_a_401(customer_user):
    client = APIClient()
    client.force_login(customer_user)

    assert client.post("/api/auth/logout/").status_code == 401
    assert APIClient().post("/api/auth/logout-everywhere/").status_code == 401


# Every way a password changes revokes the user's tokens.


def test_set_password_and_save_revokes_the_tokens(customer_user):
    token = token_for(customer_user.username)

    customer_user.set_password(NEW_PASSWORD)
    customer_user.save()

    assert not accepted(token)


def test_a_password_changed_in_admin_revokes_the_tokens(customer_user):
    token = token_for(customer_user.username)
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", password=PASSWORD))

    response = admin.post(
        f"/admin/auth/user/{customer_user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    customer_user.refresh_from_db()
    assert customer_user.check_password(NEW_PASSWORD)
    assert not accepted(token)


def test_the_changepassword_command_revokes_the_tokens(customer_user, monkeypatch):
    token = token_for(customer_user.username)
    # The command reads the new password twice from the terminal.
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)

    call_command("changepassword", customer_user.username, stdout=open("/dev/null", "w"))  # noqa: SIM115

    customer_user.refresh_from_db()
    assert customer_user.check_password(NEW_PASSWORD)
    assert not accepted(token)


def test_a_login_that_rehashes_the_same_password_keeps_the_tokens(customer_user, settings):
    """A login upgrades a hash made by an older hasher: the password did not change."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    customer_user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    customer_user.save()
    token = api_token_issue(user=customer_user)[1]

    signed_in = Client().post(
        "/accounts/login/", {"username": customer_user.username, "password": PASSWORD}
    )

    assert signed_in.status_code == 302

    customer_user.refresh_from_db()
    assert customer_user.password.startswith("md5$")
    assert accepted(token)


# The portal's "API tokens" page.


def test_the_page_lists_the_customers_own_tokens_in_force(customer_user):
    token_for(customer_user.username)
    expired = api_token_issue(user=customer_user)[0]
    ApiToken.objects.filter(pk=expired.pk).update(expiry=timezone.now() - timedelta(minutes=1))
    neighbour = get_user_model().objects.get(pk=CustomerFactory().user_id)
    token_for(neighbour.username)
    client = Client()
    client.force_login(customer_user)

    page = client.get("/accounts/api-tokens/")

    assert page.status_code == 200
    listed = set(page.context["tokens"])
    assert listed == set(ApiToken.objects.filter(user=customer_user).exclude(pk=expired.pk))
    only = listed.pop()
    assert only.token_key[:8] in page.text
    assert "not yet" in page.text  # never used
    assert timezone.localtime(only.expiry).strftime("%-d %b %Y, %H:%M UTC") in page.text


def test_the_page_revokes_one_token(customer_user):
    phone, laptop = token_for(customer_user.username), token_for(customer_user.username)
    client = Client()
    client.force_login(customer_user)

    response = client.post(f"/accounts/api-tokens/{phone[:15]}/revoke/")

    assert response.status_code == 302
    assert not accepted(phone)
    assert accepted(laptop)


def test_the_page_cannot_revoke_another_users_token(customer_user):
    neighbour = get_user_model().objects.get(pk=CustomerFactory().user_id)
    neighbours = token_for(neighbour.username)
    client = Client()
    client.force_login(customer_user)

    client.post(f"/accounts/api-tokens/{neighbours[:15]}/revoke/")

    assert accepted(neighbours)


def test_the_page_revokes_all_tokens(customer_user):
    phone, laptop = token_for(customer_user.username), token_for(customer_user.username)
    client = Client()
    client.force_login(customer_user)

    response = client.post("/accounts/api-tokens/revoke-all/", follow=True)

    assert "2 token(s) revoked" in response.text
    assert not accepted(phone)
    assert not accepted(laptop)


def test_the_page_is_for_signed_in_users_and_revokes_only_by_post(customer_user):
    token = token_for(customer_user.username)
    assert Client().get("/accounts/api-tokens/").status_code == 302
    assert Client().post("/accounts/api-tokens/revoke-all/").status_code == 302
    client = Client()
    client.force_login(customer_user)

    assert client.get("/accounts/api-tokens/revoke-all/").status_code == 405
    assert accepted(token)


def test_staff_find_a_users_tokens_in_admin_and_revoke_one(customer_user):
    token = token_for(customer_user.username)
    stored = ApiToken.objects.get(user=customer_user)
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", password=PASSWORD))

    found = admin.get("/admin/identity/apitoken/", {"q": customer_user.username})
    assert list(found.context["cl"].result_list) == [stored]
    assert admin.get("/admin/identity/apitoken/add/").status_code == 403

    deleted = admin.post(
        f"/admin/identity/apitoken/{stored.pk}/delete/", {"post": "yes"}, follow=True
    )

    assert deleted.status_code == 200
    assert not accepted(token)
