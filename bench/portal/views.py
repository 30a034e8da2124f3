"""The benchmark's references: the least a request that stores something can do on this stack, and
the ticket and card requests with everything but their message."""

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
    """Stores its messages in the outbox as the product's sender does and hands none over: what
    the outbox row costs the request (`bench/portal/request_cost.py`)."""

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


def without_its_message(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The product's view (authentication, throttling, validation, the service, the same answer)
    with the customer quantum's messages dropped while it runs."""

    @wraps(view)
    def unmessaged(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with customer_sender(Unsent):
            return view(request, *args, **kwargs)

    return unmessaged


ticket_without_message = without_its_message(TicketListCreate.as_view())
card_without_message = without_its_message(CardListRegister.as_view())
