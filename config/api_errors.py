"""Services raise Django's ValidationError for business rules; the API answers those with a 400
naming each field, exactly like a serializer's own errors."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views.defaults import page_not_found
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.views import exception_handler


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def api_exception_handler(error, context):
    # Django refuses a body past DATA_UPLOAD_MAX_MEMORY_SIZE when DRF reads it; left alone, that is
    # an HTML 400 page, not an API answer.
    if isinstance(error, RequestDataTooBig):
        error = RequestTooLarge(
            f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
        )
    if isinstance(error, DjangoValidationError):
        error = ValidationError(
            error.message_dict
            if hasattr(error, "error_dict")
            else {"non_field_errors": error.messages}
        )
    return exception_handler(error, context)


def not_found(request, exception):
    """A URL the API does not have answers JSON like the API's own 404s; pages get Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
