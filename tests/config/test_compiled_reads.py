"""A read compiled once answers as the ORM would, from the rows as they are at each call."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from config.compiled_reads import CompiledRead
from customer_quantum.models import Customer
from identity.models import ApiToken
from identity.services import api_token_issue

pytestmark = pytest.mark.django_db(databases="__all__")


def fields_of(instance) -> dict:
    return {
        field.attname: getattr(instance, field.attname) for field in type(instance)._meta.fields
    }


def test_it_returns_what_the_orm_does_with_the_related_rows_selected_in_one_statement(
    customer_user,
):
    token, _key = api_token_issue(user=customer_user)
    tokens_of_key = CompiledRead(
        lambda key: ApiToken.objects.filter(token_key=key).select_related("user"),
        placeholder="placeholder",
    )

    with CaptureQueriesContext(connections["default"]) as queries:
        [found] = tokens_of_key(token.token_key)
        user = found.user

    assert len(queries) == 1
    expected = ApiToken.objects.select_related("user").get(pk=token.pk)
    assert fields_of(found) == fields_of(expected)
    assert fields_of(user) == fields_of(expected.user)


def test_each_call_reads_the_rows_as_they_are_then(customer):
    customer_of_user = CompiledRead(
        lambda user_id: Customer.objects.filter(user_id=user_id)[:1], placeholder=987_654_321
    )

    [before] = customer_of_user(customer.user_id)
    Customer.objects.filter(pk=customer.pk).update(name="Renamed")
    [after] = customer_of_user(customer.user_id)
    Customer.objects.filter(pk=customer.pk).delete()

    assert (before.name, after.name) == (customer.name, "Renamed")
    assert customer_of_user(customer.user_id) == []


def test_a_placeholder_that_is_not_one_parameter_of_its_sql_is_refused():
    fixed = CompiledRead(lambda _name: Customer.objects.filter(name="fixed"), placeholder="absent")

    with pytest.raises(ValueError, match="absent"):
        fixed("any")
