"""Registration, profile, the support-contract catalog and the customer's plan over the API."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_fields import StrictCharField, StrictEmailField, StrictModelSerializer
from customer_quantum.api.access import CustomerAPIView
from customer_quantum.models import Customer, NotificationPreference, SupportContract, SupportPlan
from customer_quantum.selectors import support_contracts_offered, support_plan_of
from customer_quantum.services.customers import (
    REGISTRATION_RECEIVED,
    customer_profile_update,
    customer_register,
    support_plan_choose,
)


class ProfileSerializer(StrictModelSerializer):
    # Whether an address is taken is the service's business, and never the answer's.
    email = StrictEmailField(
        max_length=254,
        help_text="A new address takes effect once confirmed from the link e-mailed to it.",
    )

    class Meta:
        model = Customer
        fields = ["name", "email", "phone", "address", "notification_preference", "time_zone"]


class RegistrationSerializer(ProfileSerializer):
    username = StrictCharField(max_length=150)
    email = StrictEmailField(max_length=254)
    password = StrictCharField(max_length=128, write_only=True, trim_whitespace=False)
    notification_preference = serializers.ChoiceField(
        choices=NotificationPreference.choices, default=NotificationPreference.EMAIL
    )

    class Meta(ProfileSerializer.Meta):
        # A new account starts in the default time zone; the customer picks theirs on the profile.
        fields = [
            "username",
            "password",
            *(name for name in ProfileSerializer.Meta.fields if name != "time_zone"),
        ]


class RegistrationReceivedSerializer(serializers.Serializer):
    detail = serializers.CharField()


class SupportContractSerializer(StrictModelSerializer):
    class Meta:
        model = SupportContract
        fields = [
            "code",
            "name",
            "description",
            "monthly_price",
            "currency",
            "response_time_hours",
            "device_categories",
        ]


class SupportPlanSerializer(StrictModelSerializer):
    contract = SupportContractSerializer(read_only=True)

    class Meta:
        model = SupportPlan
        fields = ["contract", "monthly_price", "currency", "chosen_at"]


class PlanChoiceSerializer(serializers.Serializer):
    contract_code = StrictCharField(max_length=40)


class Register(APIView):
    """Opens a customer account, whose credentials then get a token at /api/auth/token/. The
    answer is a 202 whether an account was opened or the username or address was taken: what
    happened is e-mailed to the address given."""

    permission_classes = [AllowAny]
    throttle_scope = "credentials"

    @extend_schema(request=RegistrationSerializer, responses={202: RegistrationReceivedSerializer})
    def post(self, request):
        registration = RegistrationSerializer(data=request.data)
        registration.is_valid(raise_exception=True)
        customer_register(**registration.validated_data)
        received = REGISTRATION_RECEIVED.format(email=registration.validated_data["email"])
        return Response({"detail": received}, status=status.HTTP_202_ACCEPTED)


class Profile(CustomerAPIView):
    serializer_class = ProfileSerializer

    def get(self, request):
        return Response(ProfileSerializer(self.customer).data)

    def patch(self, request):
        changes = ProfileSerializer(self.customer, data=request.data, partial=True)
        changes.is_valid(raise_exception=True)
        customer = customer_profile_update(customer=self.customer, **changes.validated_data)
        return Response(ProfileSerializer(customer).data)


class SupportContracts(generics.ListAPIView):
    """The support contracts on offer, cheapest first; open to anybody deciding whether to join."""

    permission_classes = [AllowAny]
    serializer_class = SupportContractSerializer
    queryset = support_contracts_offered()
    pagination_class = None


class Plan(CustomerAPIView):
    serializer_class = SupportPlanSerializer

    @extend_schema(responses={200: SupportPlanSerializer, 404: None})
    def get(self, request):
        plan = support_plan_of(self.customer)
        if plan is None:
            return Response({"detail": "No support plan chosen yet."}, status=404)
        return Response(SupportPlanSerializer(plan).data)

    @extend_schema(request=PlanChoiceSerializer, responses={200: SupportPlanSerializer})
    def post(self, request):
        choice = PlanChoiceSerializer(data=request.data)
        choice.is_valid(raise_exception=True)
        plan = support_plan_choose(customer=self.customer, **choice.validated_data)
        return Response(SupportPlanSerializer(plan).data)
