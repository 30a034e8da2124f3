"""Property-based fuzzing of the customer API from its own OpenAPI schema (schemathesis): whatever
a signed-in customer sends, the API never fails with a 5xx and answers what its schema says."""

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config.wsgi import application

pytestmark = pytest.mark.django_db(databases="__all__")


schema = schemathesis.openapi.from_wsgi("/api/schema/", application).include(
    path_regex="^/api/customer/"
)


@schema.parametrize()
# Bounded so the run takes seconds, and derandomized so a failure in CI fails the same way here.
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_customer_api_never_fails_and_keeps_to_its_schema(
    case, customer_user, contract, token_of
):
    # The fuzzer is one client sending hundreds of requests: it tests the API, not its throttle.
    cache.clear()
    # Signed in by token only: the session cookie the schema also allows would be a made-up one.
    case.cookies = {}
    case.call_and_validate(
        headers={"Authorization": f"Token {token_of(customer_user)}"},
        # Schema-valid is not always acceptable: a card must pass Luhn, a contract code must exist,
        # a username must be free. Those refusals are 400s by design, not the schema lying.
        excluded_checks=[positive_data_acceptance],
    )
