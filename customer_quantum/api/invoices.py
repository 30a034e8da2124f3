"""The customer's invoices over the API: the billing history, read-only."""

from rest_framework import generics, serializers

from config.api_fields import StrictModelSerializer
from config.api_pagination import newest_first
from customer_quantum.api.access import CustomerAPIView
from customer_quantum.models import Invoice


class InvoiceLineSerializer(serializers.Serializer):
    description = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class InvoiceSerializer(StrictModelSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = ["id", "number", "period", "issued_on", "lines", "total", "currency", "status"]
        read_only_fields = fields


class CustomerInvoiceView(CustomerAPIView):
    serializer_class = InvoiceSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no customer
            return Invoice.objects.none()
        return self.customer.invoices.all()


class InvoiceList(CustomerInvoiceView, generics.ListAPIView):
    """The signed-in customer's invoices, newest first, a page at a time."""

    pagination_class = newest_first("issued_at")


class InvoiceDetail(CustomerInvoiceView, generics.RetrieveAPIView):
    """One of the customer's invoices; another customer's invoice is a 404, as if it did not exist."""
