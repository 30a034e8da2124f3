"""The benchmark's references: the least a request that stores something can do on this stack, and
the ticket and card requests with everything but their message, or with their message's outbox row
but no hand-over."""

import contextlib
import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from functools import wraps

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from customer_quantum.api.cards import CardListRegister
from customer_quantum.api.tickets import TicketListCreate
from customer_quantum.apps import DATABASE
from customer_quantum.models import Ticket
from messaging.contract import Message
from messaging.endpoint import endpoint_for
from messaging.sender import Sender


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> HttpResponse:
    """One row in the customer database, no authentication, no message, 201."""
    customer_id = json.loads(request.body)["customer_id"]
    with transaction.atomic(using=DATABASE):
        Ticket.objects.create(customer_id=customer_id, title="bare insert", device_category="other")
    return HttpResponse(status=201)


class Unsent(Sender):
    """Stores and hands over nothing: what the request costs without its message."""

    def publish_all(
        self, messages: Sequence[Message], *, correlation_id: uuid.UUID | None = None
    ) -> list[uuid.UUID]:
        return [uuid.uuid4() for _ in messages]


class StoredOnly(Sender):
    """Stores its messages in the outbox with the product's INSERT and hands none over: what the
    outbox row costs the request (`bench/portal/request_cost.py`, and `make bench`'s customer side
    alone). Each row is stored confirmed, under a type no receiver takes, so that no sweep ever
    hands it over and no count of the product's messages includes it."""

    def _delivery_state(self, now) -> dict:
        return {"confirmed_at": now}

    def _stored(self, rows: list) -> None:
        for row in rows:
            row.type = f"{row.type} (stored only)"
        super()._stored(rows)

    def _deliver(self, rows: list) -> None:
        pass


@contextlib.contextmanager
def customer_sender(sender_class: type[Sender]) -> Iterator[None]:
    """The customer quantum publishes through a sender of `sender_class` while the block runs.
    Swapping the endpoint's sender is safe where one request runs at a time in the process, as in
    the benchmark's synchronous gunicorn workers."""
    endpoint = endpoint_for(DATABASE)
    sender, endpoint.sender = endpoint.sender, sender_class(quantum=DATABASE)
    try:
        yield
    finally:
        endpoint.sender = sender


def sending_through(
    sender_class: type[Sender], view: Callable[..., HttpResponse]
) -> Callable[..., HttpResponse]:
    """The product's view (authentication, throttling, validation, the service, the same answer)
    with the customer quantum's messages sent through a sender of `sender_class` while it runs."""

    @wraps(view)
    def sent_so(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with customer_sender(sender_class):
            return view(request, *args, **kwargs)

    return sent_so


ticket_without_message = sending_through(Unsent, TicketListCreate.as_view())
card_without_message = sending_through(Unsent, CardListRegister.as_view())
# The floor of a message kept until its receiver confirms it (the outbox row, which no hand-over
# avoids), beside the product's request and the request without its message.
ticket_with_outbox_row_only = sending_through(StoredOnly, TicketListCreate.as_view())
card_with_outbox_row_only = sending_through(StoredOnly, CardListRegister.as_view())
