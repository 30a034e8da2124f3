"""Browser tests: the portal in headless Chromium, driven by Playwright, against the running system
the integration harness starts (real web process, workers and scheduler on PostgreSQL and Redis).

Each test gets its own Playwright, browser and page, closed when it ends whatever its outcome, and
saves a screenshot of each step into `E2E_SCREENSHOTS_DIR` (default `var/e2e-screenshots`), one
folder per test, plus one of the page as it was when a test failed.
"""

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Error, Page, expect, sync_playwright

from tests.integration.conftest import (
    STARTED_PROCESSES,
    require,
    servers_reachable,
    session_key_prefix,
    start_system,
)
from tests.integration.system import REPOSITORY, RunningSystem, StartSystem

__all__ = ["servers_reachable", "session_key_prefix", "start_system"]

# Debian's Chromium: Playwright's own browser download does not work on these machines.
CHROMIUM = Path("/usr/bin/chromium")
# Headless as root in a sandboxed CI machine whose network is closed: no sandbox, no GPU, and none
# of the background connections Chromium would otherwise keep trying.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The machine is shared: pages and back-end steps can be slow, never minutes.
PAGE_TIMEOUT_MS = 20_000
# A laptop's window, and a phone held upright (an iPhone 12 to 15 is 390 CSS pixels wide).
DESKTOP = {"width": 1100, "height": 800}
PHONE = {"width": 390, "height": 844}

FAILED = pytest.StashKey[bool]()
SCREENSHOTS = pytest.StashKey[Path]()


def screenshots_root() -> Path:
    return Path(os.environ.get("E2E_SCREENSHOTS_DIR", REPOSITORY / "var" / "e2e-screenshots"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Like the integration tests: a failure shows the end of each process log, and where the
    screenshots are; it is remembered, so the page fixture can take one of where the browser was."""
    report = yield
    if report.failed and report.when in {"setup", "call"}:
        item.stash[FAILED] = True
        if SCREENSHOTS in item.stash:
            report.sections.append(("screenshots", str(item.stash[SCREENSHOTS])))
        for process in item.stash.get(STARTED_PROCESSES, []):
            report.sections.append((f"{process.name} log (last lines)", process.log_tail()))
    return report


class Screenshots:
    """Numbered full-page screenshots of one test's steps, in a folder of its own."""

    def __init__(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.folder = folder
        self.taken: list[Path] = []

    def take(self, page: Page, step: str) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{step}.png"
        page.screenshot(path=path, full_page=True)
        self.taken.append(path)
        return path


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Screenshots:
    folder = screenshots_root() / re.sub(r"[^\w.-]+", "_", request.node.name)
    request.node.stash[SCREENSHOTS] = folder
    return Screenshots(folder)


@pytest.fixture(autouse=True)
def chromium_installed() -> None:
    """Checked before any system is started; CI installs it (`.ci/run`), so there it never skips."""
    require(CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install chromium")


@pytest.fixture
def portal(start_system: StartSystem) -> RunningSystem:
    """The web process alone is enough for pages that never wait on another quantum; a test
    module that needs workers overrides this fixture."""
    return start_system(quanta=())


@pytest.fixture
def viewport() -> dict[str, int]:
    """The browser window's size; a test parametrizes it to run at another."""
    return DESKTOP


@pytest.fixture
def page(
    request: pytest.FixtureRequest,
    portal: RunningSystem,
    screenshots: Screenshots,
    monkeypatch: pytest.MonkeyPatch,
    viewport: dict[str, int],
) -> Iterator[Page]:
    """A fresh browser page on the running portal; started after the system (see below)."""
    expect.set_options(timeout=PAGE_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(base_url=portal.base_url, viewport=viewport)
            context.set_default_timeout(PAGE_TIMEOUT_MS)
            # Playwright's sync API keeps an event loop running in this thread, which Django takes
            # for an async context and would refuse the test's own database reads. Set only now,
            # after the system's processes were started with the environment as it was.
            monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
            browser_page = context.new_page()
            yield browser_page
            if request.node.stash.get(FAILED, False):
                with contextlib.suppress(Error):  # a crashed page must not hide the failure
                    screenshots.take(browser_page, "failed-here")
        finally:
            # While that loop runs, Django keeps the test's connections apart from the thread's
            # own; closed here, or they would keep the test databases from being dropped.
            connections.close_all()
            browser.close()
