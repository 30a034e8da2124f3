"""Services raise Django's ValidationError for business rules; the API answers those with a 400
naming each field, exactly like a serializer's own errors."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler


def api_exception_handler(error, context):
    if isinstance(error, DjangoValidationError):
        error = ValidationError(
            error.message_dict
            if hasattr(error, "error_dict")
            else {"non_field_errors": error.messages}
        )
    return exception_handler(error, context)
