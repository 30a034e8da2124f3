"""The customer's cards over the API: register one, list their summaries."""

from django.core.exceptions import ValidationError
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from config.api_fields import StrictCharField, StrictIntegerField, StrictModelSerializer
from config.api_pagination import newest_first
from customer_quantum.api.access import CustomerAPIView
from customer_quantum.models import CardSummary
from customer_quantum.services.cards import card_register


class CardSummarySerializer(StrictModelSerializer):
    class Meta:
        model = CardSummary
        fields = [
            "id",
            "brand",
            "last4",
            "expiry_month",
            "expiry_year",
            "status",
            "rejection_reason",
            "registered_at",
            "status_changed_at",
        ]
        read_only_fields = fields


class CardDetailsSerializer(serializers.Serializer):
    """What a customer types; only its shape is checked here, the card rules by `card_register`."""

    number = StrictCharField(help_text="Digits; spaces and dashes are ignored.")
    expiry_month = StrictIntegerField()
    expiry_year = StrictIntegerField(help_text="Four digits.")
    cvc = StrictCharField(help_text="4 digits for American Express, 3 for the others.")
    holder_name = StrictCharField(help_text="The name as printed on the card.")


@method_decorator(sensitive_post_parameters("number", "cvc"), name="dispatch")
class CardListRegister(CustomerAPIView, generics.ListAPIView):
    """The customer's cards, newest first, a page at a time; POST registers one and answers 202
    with its summary, `pending` until billing has verified it."""

    serializer_class = CardSummarySerializer
    pagination_class = newest_first("registered_at")
    # The browsable API redisplays posted fields in its HTML form: a card number must never return.
    renderer_classes = [JSONRenderer]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no customer
            return CardSummary.objects.none()
        return self.customer.cards.all()

    @extend_schema(request=CardDetailsSerializer, responses={202: CardSummarySerializer})
    @sensitive_variables("details")
    def post(self, request, *args, **kwargs) -> Response:
        details = CardDetailsSerializer(data=request.data)
        details.is_valid(raise_exception=True)
        try:
            summary = card_register(customer=self.customer, **details.validated_data)
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        return Response(CardSummarySerializer(summary).data, status=status.HTTP_202_ACCEPTED)
