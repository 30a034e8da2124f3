"""The benchmark's references: the least a request that stores something can do on this stack, and
the ticket request with everything but its message."""

import json

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from customer_quantum.api.tickets import TicketListCreate, TicketSerializer
from customer_quantum.apps import DATABASE
from customer_quantum.models import Ticket


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> HttpResponse:
    """One row in the customer database, no authentication, no message, 201."""
    customer_id = json.loads(request.body)["customer_id"]
    with transaction.atomic(using=DATABASE):
        Ticket.objects.create(customer_id=customer_id, title="bare insert", device_category="other")
    return HttpResponse(status=201)


class TicketWithoutMessage(TicketListCreate):
    """The product's ticket submission (authentication, throttling, validation, the same answer)
    storing the ticket alone: what the request would cost if ticketing were told nothing."""

    def perform_create(self, serializer: TicketSerializer) -> None:
        with transaction.atomic(using=DATABASE):
            serializer.save(customer=self.customer)
