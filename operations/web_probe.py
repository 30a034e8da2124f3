"""`python -m operations.web_probe PORT`: exits 0 when the web process on this host answers
`/health/ready/` with 200. The container's health check; the embedded launcher waits on it too.

Plain standard library, no Django: a probe that loaded the settings would cost a second of CPU
every few seconds on every web host."""

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 2.0


def probe_host() -> str:
    """A name the web serves: production's DJANGO_ALLOWED_HOSTS lists the public name only, and
    Django answers a request for any other host with 400, which would read as unhealthy."""
    allowed = [host for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if host]
    if not allowed or allowed[0] == "*":
        return "localhost"
    # ".example.com" allows example.com and every subdomain of it.
    return allowed[0].strip().lstrip(".")


def web_ready(port: int) -> bool:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/health/ready/", headers={"Host": probe_host()}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - a fixed http URL
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: python -m operations.web_probe PORT")
    sys.exit(0 if web_ready(int(sys.argv[1])) else 1)
