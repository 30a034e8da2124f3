"""The customer's tickets over the API."""

from rest_framework import generics

from config.api_fields import StrictModelSerializer
from config.api_pagination import newest_first
from customer_quantum.api.access import CustomerAPIView
from customer_quantum.models import Ticket
from customer_quantum.selectors import tickets_of
from customer_quantum.services.tickets import ticket_submit


class TicketSerializer(StrictModelSerializer):
    class Meta:
        model = Ticket
        fields = [
            "id",
            "title",
            "description",
            "device_category",
            "priority",
            "status",
            "submitted_at",
            "status_changed_at",
            "expert_name",
            "expected_arrival",
        ]
        read_only_fields = [
            "id",
            "status",
            "submitted_at",
            "status_changed_at",
            "expert_name",
            "expected_arrival",
        ]


class CustomerTicketView(CustomerAPIView):
    serializer_class = TicketSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no customer
            return Ticket.objects.none()
        return tickets_of(self.customer)


class TicketListCreate(CustomerTicketView, generics.ListCreateAPIView):
    """The customer's tickets, newest first, a page at a time; POST submits a new one and returns
    at once."""

    pagination_class = newest_first("submitted_at")

    def perform_create(self, serializer: TicketSerializer) -> None:
        serializer.instance = ticket_submit(customer=self.customer, **serializer.validated_data)


class TicketDetail(CustomerTicketView, generics.RetrieveAPIView):
    """One of the customer's tickets; another customer's ticket is a 404, as if it did not exist."""
