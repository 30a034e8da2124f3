"""A new customer's whole journey in a real browser, against the running system: register, log in,
choose a time zone and a plan, add a card (pending while billing is down, active once billing
verified it), submit a ticket, follow it through assignment and the expert's work on its timeline,
read the month's invoice, answer the completed ticket's survey. It runs in a laptop's window and on
a phone's width. The card list and the ticket page show each change without being reloaded. Each
step is a screenshot; each page is checked for what assistive technology needs and for fitting the
screen. Once every flow has run through real processes, the card number, its CVC and the password
are looked for everywhere they could have been left behind."""

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import httpx
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from playwright.sync_api import Locator, Page, expect

from analytics.models import SurveyResponse
from billing_quantum.jobs import period_start, previous_period
from billing_quantum.models import BillingAccount
from customer_quantum.models import CardSummary, Invoice, TicketStatusChange
from identity.services import api_token_issue
from tests.billing_quantum.traces import database_dump
from tests.e2e.accessibility import assert_accessible, field
from tests.e2e.conftest import DESKTOP, PHONE, Screenshots
from tests.integration.processes import wait_until
from tests.integration.system import RunningSystem, StartSystem
from ticketing.models import Expert, SupportContract
from ticketing.models import Ticket as TicketingTicket

pytestmark = [
    pytest.mark.integration,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

JOURNEY_QUANTA = ("customer", "billing", "ticketing", "analytics", "notifications")
BACKEND_TIMEOUT_SECONDS = 60
USERNAME, PASSWORD = "margaret", "Apollo-guidance-1969"
EXPERT = "Ada Lovelace"
TICKET_TITLE = "Laptop fan is loud and it shuts down"
CARD_NUMBER, CVC = "4242 4242 4242 4242", "123"


@pytest.fixture
def portal(start_system: StartSystem) -> RunningSystem:
    """Web, the three quanta the journey crosses, and the scheduler; the assignment job runs only
    when the test runs it, as in the integration tests, never on the scheduler's clock."""
    SupportContract.objects.create(
        code="home-office",
        name="Home office care",
        description="Computers and phones; an expert within a day.",
        monthly_price=Decimal("19.00"),
        currency="EUR",
        response_time_hours=24,
        device_categories=["computer", "phone"],
    )
    system = start_system(quanta=JOURNEY_QUANTA, overrides={"ASSIGNMENT_INTERVAL_SECONDS": "3600"})
    replicated = system.manage("sync_support_contracts")
    assert replicated.returncode == 0, replicated.stderr
    return system


@pytest.fixture
def expert_api(portal: RunningSystem) -> Iterator[httpx.Client]:
    """The expert's mobile app: an expert who repairs computers, and their API token (the new
    customer gave no region, so an expert of any region may take the ticket)."""
    user = get_user_model().objects.create_user(username="ada")
    Expert.objects.create(user_id=user.id, name=EXPERT, skills=["computer"], region="Springfield")
    with httpx.Client(
        base_url=f"{portal.base_url}/api/ticketing/",
        headers={"Authorization": f"Token {api_token_issue(user=user)[1]}"},
        timeout=30,
    ) as client:
        yield client


def backend(condition, what: str):
    return wait_until(condition, timeout=BACKEND_TIMEOUT_SECONDS, what=what, interval=0.2)


def menu(page: Page, name: str) -> Locator:
    return page.get_by_role("navigation", name="Portal").get_by_role("link", name=name, exact=True)


def visit(page: Page, screenshots: Screenshots, step: str, heading: str) -> None:
    """The page reached is the one expected, is accessible, and is kept as a screenshot."""
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)
    screenshots.take(page, step)


def stays_loaded(page: Page) -> None:
    """Marks the page as it is now: a reload or another page would lose the mark."""
    page.evaluate("() => { window.notReloaded = true; }")


def was_not_reloaded(page: Page) -> bool:
    return page.evaluate("() => window.notReloaded === true")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_new_customer_registers_pays_follows_a_ticket_and_answers_its_survey(
    portal: RunningSystem, expert_api: httpx.Client, page: Page, screenshots: Screenshots
) -> None:
    # Register: the page answers as it would for a username or address already taken (the e-mail
    # says which), so the new customer then logs in.
    page.goto("/register/")
    visit(page, screenshots, "register", "Create your account")
    field(page, "Username").fill(USERNAME)
    field(page, "Name").fill("Margaret Hamilton")
    field(page, "Email").fill("margaret@example.com")
    field(page, "Phone").fill("+1 555 0100")
    field(page, "Address").fill("1 Launch Road\nSpringfield")
    field(page, "Password").fill(PASSWORD)
    field(page, "Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text(
        "We have sent a message to margaret@example.com"
    )
    visit(page, screenshots, "login", "Log in")
    field(page, "Username").fill(USERNAME)
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    visit(page, screenshots, "logged-in", "My tickets")
    expect(page.get_by_text("You have no tickets yet.")).to_be_visible()
    menu(page, "Profile").click()
    visit(page, screenshots, "profile", "Your profile")
    expect(field(page, "Email")).to_have_value("margaret@example.com")
    expect(field(page, "Time zone")).to_have_value("UTC")
    field(page, "Time zone").select_option("Europe/Paris")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile is saved.")
    expect(field(page, "Time zone")).to_have_value("Europe/Paris")

    # Choose a plan: shown at once; billing learns of it by message.
    menu(page, "Plan").click()
    visit(page, screenshots, "plans", "Your support plan")
    page.get_by_role("button", name="Choose Home office care").click()
    expect(page.get_by_text("You are on Home office care at 19.00 EUR a month")).to_be_visible()
    screenshots.take(page, "plan-chosen")
    backend(
        lambda: BillingAccount.objects.filter(contract_code="home-office").first(),
        "billing knows the plan",
    )

    # Add a card while billing is down: the portal takes it, pending; once billing is back and has
    # verified it, the customer sees it active.
    billing_worker = portal.workers["billing"]
    billing_worker.stop()
    menu(page, "Cards").click()
    visit(page, screenshots, "cards-none", "My cards")
    page.get_by_role("link", name="Add a card").click()
    visit(page, screenshots, "card-form", "Add a card")
    field(page, "Card number").fill(CARD_NUMBER)
    field(page, "Expiry month").fill("12")
    field(page, "Expiry year").fill(str(date.today().year + 3))
    field(page, "Security code (CVC)").fill(CVC)
    field(page, "Name on the card").fill("Margaret Hamilton")
    page.get_by_role("button", name="Add the card").click()
    visit(page, screenshots, "card-pending", "My cards")
    card_row = page.get_by_role("row", name=re.compile(r"Visa •••• 4242"))
    expect(card_row).to_contain_text("Pending")
    expect(card_row).to_contain_text(re.compile(r"\d\d:\d\d CES?T"))  # added, in her zone
    stays_loaded(page)

    billing_worker.start()
    billing_worker.wait_for_log(" ready.", timeout=BACKEND_TIMEOUT_SECONDS)
    backend(
        lambda: CardSummary.objects.filter(last4="4242", status="active").first(),
        "billing verified the card",
    )
    expect(card_row).to_contain_text("Active")
    assert was_not_reloaded(page)
    visit(page, screenshots, "card-active", "My cards")

    # Submit a ticket: stored at once, the customer never waits for ticketing.
    menu(page, "New ticket").click()
    visit(page, screenshots, "ticket-form", "Submit a ticket")
    field(page, "Title").fill(TICKET_TITLE)
    field(page, "Description").fill("Since yesterday, after about ten minutes of work.")
    field(page, "Device category").select_option(label="Computer")
    field(page, "Priority").select_option(label="High")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status")).to_contain_text("your ticket is submitted")
    visit(page, screenshots, "ticket-submitted", TICKET_TITLE)
    ticket_url = page.url
    ticket_id = ticket_url.rstrip("/").rsplit("/", 1)[-1]

    menu(page, "My tickets").click()
    ticket_row = page.get_by_role("row", name=re.compile(TICKET_TITLE))
    expect(ticket_row).to_contain_text("Submitted")
    expect(ticket_row).to_contain_text("High")
    visit(page, screenshots, "ticket-list", "My tickets")

    # The assignment job gives it to the expert; the customer sees who is coming and by when.
    backend(
        lambda: TicketingTicket.objects.filter(pk=ticket_id).first(),
        "ticketing has the ticket",
    )
    # The customer keeps the ticket's page open: it shows each step as the system takes it.
    page.goto(ticket_url)
    stays_loaded(page)
    status = page.locator(".status").first
    expect(status).to_have_text("Submitted")
    job = portal.manage("assign_tickets")
    assert job.returncode == 0, job.stderr
    assert "1 assigned" in job.stdout
    timeline = page.locator("ol.timeline > li")

    def timeline_shows(sequence: int, status_now: str, text: str, step: str) -> None:
        backend(
            lambda: TicketStatusChange.objects.filter(
                ticket_id=ticket_id, sequence=sequence
            ).first(),
            f"the customer quantum has step {sequence} of the ticket",
        )
        expect(timeline).to_have_count(sequence + 1)
        expect(timeline.nth(sequence)).to_contain_text(text)
        expect(status).to_have_text(status_now)
        assert was_not_reloaded(page)
        visit(page, screenshots, step, TICKET_TITLE)

    timeline_shows(1, "Assigned", f"Assigned to {EXPERT}, expected by", "ticket-assigned")
    expect(
        page.get_by_text(
            re.compile(rf"^{EXPERT}, expected by \d+ \w{{3}} \d{{4}}, \d\d:\d\d CES?T$")
        )
    ).to_be_visible()

    # The expert works through the mobile app's API; each step shows on the timeline.
    (assignment,) = expert_api.get("assignments/").json()["results"]
    assert assignment["ticket_id"] == ticket_id
    for sequence, step, data, status_now, text in [
        (2, "accept", {}, "Assigned", f"{EXPERT} accepted"),
        (3, "start", {}, "In progress", f"{EXPERT} started the repair"),
        (4, "complete", {"resolution_notes": "Cleaned the fan."}, "Completed", "Completed by"),
    ]:
        response = expert_api.post(f"assignments/{assignment['id']}/{step}/", json=data)
        assert response.status_code == 200, response.text
        timeline_shows(sequence, status_now, text, f"ticket-{step}")
    expect(timeline).to_have_text(
        [
            re.compile("Submitted"),
            re.compile(f"Assigned to {EXPERT}"),
            re.compile(f"{EXPERT} accepted"),
            re.compile(f"{EXPERT} started the repair"),
            re.compile(f"Completed by {EXPERT}"),
        ]
    )

    # The month's Payment job charges the card; the invoice reaches the portal. Billing starts
    # with a plan's first whole month: the plan chosen minutes ago is dated back to the start of
    # the month just ended, as if the customer had had it all month.
    period = previous_period(date.today())
    BillingAccount.objects.filter(contract_code="home-office").update(
        plan_started_at=period_start(period)
    )
    billed = portal.manage("run_payment_job", "--period", period, "--wait")
    assert billed.returncode == 0, billed.stderr
    invoice = backend(
        lambda: Invoice.objects.filter(period=period).first(),
        "the customer quantum has the invoice",
    )
    menu(page, "Invoices").click()
    invoice_row = page.get_by_role("row", name=re.compile(invoice.number))
    expect(invoice_row).to_contain_text(period)
    expect(invoice_row).to_contain_text("19.00 EUR")
    visit(page, screenshots, "invoices", "My invoices")
    invoice_row.get_by_role("link", name=invoice.number).click()
    visit(page, screenshots, "invoice", f"Invoice {invoice.number}")
    expect(page.get_by_text("Margaret Hamilton")).to_be_visible()
    expect(page.locator("tfoot")).to_contain_text("19.00 EUR")

    # The completed ticket's survey, linked from its page: answered once, then thanked.
    menu(page, "My tickets").click()
    page.get_by_role("link", name=TICKET_TITLE).click()
    page.get_by_role("link", name="Answer the survey").click()
    visit(page, screenshots, "survey", "How did we do?")
    page.get_by_role("group", name=re.compile("How did we do")).get_by_label("5").check()
    field(page, "Anything you would like to tell us? (optional)").fill("Quick and friendly.")
    page.get_by_role("group", name=re.compile("arrive on time")).get_by_label("Yes").check()
    page.get_by_role("group", name=re.compile("recommend")).get_by_label("Yes").check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you for answering our survey.")
    expect(page.get_by_role("link", name="Answer the survey")).to_have_count(0)
    visit(page, screenshots, "survey-answered", TICKET_TITLE)
    answer = backend(lambda: SurveyResponse.objects.first(), "analytics has the survey answer")
    assert (answer.rating, answer.comment) == (5, "Quick and friendly.")

    assert_left_nowhere(portal, [CARD_NUMBER, CARD_NUMBER.replace(" ", ""), PASSWORD], cvc=CVC)


def assert_left_nowhere(system: RunningSystem, secrets: list[str], *, cvc: str) -> None:
    """No secret in any process's log (every e-mail and SMS the console backends sent included) or
    any row of any quantum's database (PCI DSS 4.0 §3.3.1, §3.5.1). A CVC's three digits occur by
    chance in ids and timestamps, so it counts only quoted, as a value of JSON or Python would be."""
    places = {process.name: process.log_path.read_text() for process in system.processes}
    places |= {f"{alias} database": database_dump(alias) for alias in settings.DATABASES}
    # Each place holds this journey's traces, so finding no secret there means something.
    assert "Quick and friendly." in places["analytics database"]
    assert "'4242'" in places["customer database"]  # the card summary's last four digits
    assert "Subject: " in places["notifications-worker"]  # the console e-mail backend's output
    wanted = [*secrets, f'"{cvc}"', f"'{cvc}'"]
    found = {place: secret for place, text in places.items() for secret in wanted if secret in text}
    assert found == {}
