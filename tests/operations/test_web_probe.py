"""The web's health probe against a stand-in web server: ready only on a 200 from /health/ready/,
asked for a host the web serves."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from operations.web_probe import web_ready
from tests.integration.processes import free_port


class StandInWeb(BaseHTTPRequestHandler):
    status = 200
    seen: list[tuple[str, str]] = []

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers["Host"]))
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args) -> None:
        """Quiet: the test reads what was asked from `seen`."""


@pytest.fixture
def web() -> Iterator[tuple[int, type[StandInWeb]]]:
    handler = type("Web", (StandInWeb,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], handler
    server.shutdown()
    server.server_close()
    thread.join()


def test_ready_on_200_and_asks_for_the_first_host_the_web_serves(web, monkeypatch) -> None:
    port, handler = web
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", ".sysops.example.com,www.sysops.example.com")

    assert web_ready(port)
    assert handler.seen == [("/health/ready/", "sysops.example.com")]


def test_not_ready_on_503(web, monkeypatch) -> None:
    port, handler = web
    handler.status = 503
    monkeypatch.delenv("DJANGO_ALLOWED_HOSTS", raising=False)

    assert not web_ready(port)
    assert handler.seen == [("/health/ready/", "localhost")]


def test_not_ready_when_nothing_listens() -> None:
    assert not web_ready(free_port())
