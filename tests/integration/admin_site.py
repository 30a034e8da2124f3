"""Staff in the admin of a running web process, through HTTP as a browser would (CSRF included)."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


def csrf_token(page: httpx.Response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]


@contextmanager
def admin_signed_in(
    base_url: str, *, username: str, password: str, timeout: float
) -> Iterator[httpx.Client]:
    """A client signed in to the admin, closed when the block ends."""
    with httpx.Client(base_url=base_url, timeout=timeout) as admin:
        login = admin.get("/admin/login/")
        signed_in = admin.post(
            "/admin/login/?next=/admin/",
            data={
                "csrfmiddlewaretoken": csrf_token(login),
                "username": username,
                "password": password,
            },
        )
        assert signed_in.status_code == 302, "the admin refused the sign-in"
        yield admin


def admin_action(admin: httpx.Client, page: str, action: str, selected: int) -> str:
    """Runs an admin action on one row of a list page; returns the page it leads to."""
    form = admin.get(page)
    done = admin.post(
        page,
        data={
            "csrfmiddlewaretoken": csrf_token(form),
            "action": action,
            "select_across": "0",
            "index": "0",
            "_selected_action": str(selected),
        },
        follow_redirects=True,
    )
    assert done.status_code == 200
    return done.text
