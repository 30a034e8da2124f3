"""The customer's answer to a completed ticket's survey over the API (UC-4)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.response import Response

from config.api_fields import StrictBooleanField, StrictCharField, StrictIntegerField
from customer_quantum.api.access import CustomerAPIView
from customer_quantum.services.surveys import (
    SurveyAlreadyAnswered,
    SurveyExpired,
    SurveyNotFound,
    survey_check_open,
    survey_invitation_of_ticket,
    survey_submit,
)
from message_contracts.surveys import COMMENT_MAX_LENGTH, RATING_MAX, RATING_MIN


class SurveyAnswered(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This survey is already answered: it takes one answer."
    default_code = "survey_answered"


class SurveyGone(APIException):
    status_code = status.HTTP_410_GONE
    default_detail = "This survey has expired."
    default_code = "survey_expired"


class SurveyAnswerSerializer(serializers.Serializer):
    rating = StrictIntegerField(
        min_value=RATING_MIN, max_value=RATING_MAX, help_text="1 (poor) to 5 (excellent)."
    )
    comment = StrictCharField(max_length=COMMENT_MAX_LENGTH, allow_blank=True, default="")
    expert_on_time = StrictBooleanField(
        allow_null=True, default=None, help_text="Did the expert arrive on time? Optional."
    )
    would_recommend = StrictBooleanField(
        allow_null=True, default=None, help_text="Would you recommend us? Optional."
    )


class SurveyReceiptSerializer(serializers.Serializer):
    """The answer as it was sent to analytics; the customer quantum keeps none of it."""

    survey_id = serializers.UUIDField()
    ticket_id = serializers.UUIDField()
    rating = serializers.IntegerField()
    comment = serializers.CharField()
    expert_on_time = serializers.BooleanField(allow_null=True)
    would_recommend = serializers.BooleanField(allow_null=True)
    submitted_at = serializers.DateTimeField()


_ERROR = OpenApiTypes.OBJECT


class TicketSurvey(CustomerAPIView):
    """POST answers the survey of one of the customer's completed tickets, once: 201. No survey
    among the customer's own tickets is a 404, an answered one a 409, an expired one a 410; then
    nothing is sent and the survey stays as it was."""

    serializer_class = SurveyAnswerSerializer

    @extend_schema(
        request=SurveyAnswerSerializer,
        responses={
            201: SurveyReceiptSerializer,
            409: OpenApiResponse(_ERROR, description="The survey is already answered."),
            410: OpenApiResponse(_ERROR, description="The survey has expired."),
        },
    )
    def post(self, request, pk) -> Response:
        try:
            invitation = survey_invitation_of_ticket(ticket_id=pk, customer=self.customer)
            # Before the answer is read: a closed survey is refused whatever was sent.
            survey_check_open(invitation)
            answer = SurveyAnswerSerializer(data=request.data)
            answer.is_valid(raise_exception=True)
            submitted = survey_submit(invitation=invitation, **answer.validated_data)
        except SurveyNotFound:
            raise NotFound("No survey for this ticket among yours.") from None
        except SurveyAlreadyAnswered:
            raise SurveyAnswered from None
        except SurveyExpired as expired:
            raise SurveyGone(str(expired)) from None
        return Response(SurveyReceiptSerializer(submitted).data, status=status.HTTP_201_CREATED)
