"""One size of the scale benchmark, in a process of its own whose Django settings name that size's
databases: migrates them, fills them (unless told they are filled), makes the sampled users'
credentials, and probes each operation's query plans. `python -m bench.scale` runs it per size.
"""

import argparse
import json
import random
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import django

from bench.portal.load import HELPDESK_PAGES, HELPDESK_URL, SEARCH_KINDS, helpdesk_query

PROBE_HOST = "127.0.0.1"
ROWS_SAMPLED = 20
# Each ticket listed in the admin's list has a cell of its title, the list's first column.
ROW = b'class="field-title"'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, required=True)
    parser.add_argument("--tickets", type=int, required=True)
    parser.add_argument("--experts", type=int, required=True)
    parser.add_argument("--samples", type=int, required=True)
    parser.add_argument(
        "--fill", action="store_true", help="fill the databases (they are always migrated)"
    )
    parser.add_argument("--workers", type=int, default=4, help="statements run at once")
    parser.add_argument("--out", type=Path, required=True, help="folder for users and plans")
    options = parser.parse_args()
    django.setup()

    from django.core.management import call_command

    from bench.scale.fill import Size

    size = Size(customers=options.customers, tickets=options.tickets, experts=options.experts)
    # Reused databases are brought up to the code's schema too: an index added since they were
    # filled is what a run measures.
    call_command("migrate_all_databases", verbosity=0)
    if options.fill:
        databases_fill(size, workers=options.workers)
    users = users_sampled(size, options.samples)
    (options.out / "users.json").write_text(json.dumps(users))
    plans = plans_probed(users)
    (options.out / "plans.json").write_text(json.dumps(plans))
    (options.out / "shown.json").write_text(json.dumps(helpdesk_rows_shown(users)))


def databases_fill(size, *, workers: int) -> None:
    from django.contrib.auth.hashers import make_password

    from bench.scale.fill import PASSWORD, fill

    started = time.monotonic()
    fill(
        size,
        now=datetime.now(UTC),
        password_hash=make_password(PASSWORD),
        workers=workers,
        on_step=progress,
    )
    print(f"    filled in {time.monotonic() - started:.0f} s", flush=True)


def progress(step: str, seconds: float) -> None:
    print(f"    {step}: {seconds:.0f} s", flush=True)


def users_sampled(size, count: int) -> list[dict]:
    """Customers drawn from the whole range, half of them among those with the most tickets,
    each with what the load's requests need: a password, a portal session, an API token, one of
    their tickets, an expert's token and the helpdesk's session to search with."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from bench.portal.harness import session_of
    from bench.portal.load import TICKET
    from bench.scale.fill import PASSWORD
    from customer_quantum.models import Ticket
    from identity.services import api_token_issue
    from operations.staff_groups import HELPDESK, staff_groups_setup

    rng = random.Random(16)  # noqa: S311 - a repeatable sample, not security
    heavy = range(1, size.heavy + 1)
    light = range(size.heavy + 1, size.customers + 1)
    half = count // 2
    # Drawn with replacement, so the mix is the same at every size: the demo has only two
    # customers with the most tickets, and sampled without replacement they were 2 % of its users
    # against half of the full size's, whose pages then listed more tickets.
    chosen = rng.choices(heavy, k=half) + rng.choices(light, k=count - half)
    rng.shuffle(chosen)
    experts = rng.sample(range(1, size.experts + 1), min(count, size.experts))

    user_model = get_user_model()
    staff_groups_setup()
    staff, _ = user_model.objects.get_or_create(
        username="bench-helpdesk", defaults={"is_staff": True}
    )
    staff.groups.add(Group.objects.get(name=HELPDESK))
    staff_session = session_of(staff)
    expert_tokens = [
        api_token_issue(user=expert)[1]
        for expert in user_model.objects.filter(pk__in=[size.customers + e for e in experts])
    ]
    customers = user_model.objects.in_bulk(chosen)
    users = []
    for n, customer in enumerate(customers[pk] for pk in chosen):
        # One the fill made: the benchmark's own submissions reach only the customer quantum (no
        # worker takes their messages), and a --reuse run would sample those of the runs before.
        tickets = (
            Ticket.objects.filter(customer_id=customer.pk)
            .exclude(description=TICKET["description"])
            .order_by("-submitted_at")
        )
        ticket = tickets[rng.randrange(tickets.count())]
        users.append(
            {
                "id": customer.pk,
                "username": customer.username,
                "password": PASSWORD,
                "session": session_of(customer),
                "token": api_token_issue(user=customer)[1],
                "ticket_id": str(ticket.id),
                "expert_token": expert_tokens[n % len(expert_tokens)],
                "staff_session": staff_session,
                "searches": {kind: term(ticket) for kind, term in SEARCH_TERMS.items()},
            }
        )
    return users


# The terms of each kind, from one of the user's tickets: the customer's name and id, the ticket's
# id, the serial number a customer reads out, the words of the ticket's title.
SEARCH_TERMS = dict(
    zip(
        SEARCH_KINDS,
        (
            lambda ticket: ticket.customer.name,
            lambda ticket: str(ticket.customer_id),
            lambda ticket: str(ticket.id),
            lambda ticket: ticket.description.split()[-1].rstrip("."),
            lambda ticket: ticket.title,
        ),
        strict=True,
    )
)


def helpdesk_rows_shown(users: list[dict]) -> dict[str, float]:
    """How many tickets each helpdesk page shows, on average over the first ROWS_SAMPLED users'
    terms: a page shows more rows where a term has more matches, and each row costs rendering."""
    from django.test import Client

    staff = Client(HTTP_HOST=PROBE_HOST)
    staff.cookies["sessionid"] = users[0]["staff_session"]
    sampled = users[:ROWS_SAMPLED]
    return {
        page: sum(
            staff.get(HELPDESK_URL, helpdesk_query(user, kind)).content.count(ROW)
            for user in sampled
        )
        / len(sampled)
        for page, kind in HELPDESK_PAGES.items()
    }


def plans_probed(users: list[dict]) -> dict[str, list[dict]]:
    """Each operation in this process, its statements captured and explained."""
    from django.test import Client

    from bench.portal.load import EXPECTED, TICKET
    from bench.scale.operations import OPERATIONS
    from bench.scale.plans import probe

    user = users[0]

    anonymous = Client(HTTP_HOST=PROBE_HOST)
    portal = Client(HTTP_HOST=PROBE_HOST)
    portal.cookies["sessionid"] = user["session"]
    api = Client(HTTP_HOST=PROBE_HOST, HTTP_AUTHORIZATION=f"Token {user['token']}")
    expert = Client(HTTP_HOST=PROBE_HOST, HTTP_AUTHORIZATION=f"Token {user['expert_token']}")
    staff = Client(HTTP_HOST=PROBE_HOST)
    staff.cookies["sessionid"] = user["staff_session"]
    requests = {
        "log in": lambda: anonymous.post(
            "/accounts/login/", {"username": user["username"], "password": user["password"]}
        ),
        "ticket list": lambda: portal.get("/"),
        "ticket with its timeline": lambda: portal.get(f"/tickets/{user['ticket_id']}/"),
        "invoice list": lambda: portal.get("/invoices/"),
        "ticket submission": lambda: api.post(
            "/api/customer/tickets/", TICKET, content_type="application/json"
        ),
        "expert's assignment list": lambda: expert.get("/api/ticketing/assignments/"),
    }
    helpdesk = {
        page: lambda kind=kind: staff.get(HELPDESK_URL, helpdesk_query(user, kind))
        for page, kind in HELPDESK_PAGES.items()
    }
    plans = {}
    for probed, request in (requests | helpdesk).items():
        expected = EXPECTED[OPERATIONS[probed]]
        answers = []
        statements = probe(lambda request=request, answers=answers: answers.append(request()))
        if answers[-1].status_code != expected:
            raise SystemExit(
                f"{probed}: the probe was answered {answers[-1].status_code}, not {expected}"
            )
        plans[probed] = [asdict(statement) | {"params": None} for statement in statements]
    return plans


if __name__ == "__main__":
    main()
