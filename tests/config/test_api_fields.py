"""The API's model serializers build their fields once per class, and still never share them."""

from rest_framework import serializers

from config.api_fields import StrictModelSerializer
from customer_quantum.api.tickets import TicketSerializer
from customer_quantum.models import Ticket


def test_each_serializer_has_fields_of_its_own_bound_to_it():
    first, second = TicketSerializer(), TicketSerializer()

    assert first.fields["title"] is not second.fields["title"]
    assert first.fields["title"].parent is first
    assert second.fields["title"].parent is second


def test_a_serializer_refusing_input_leaves_the_next_one_untouched():
    refused = TicketSerializer(data={"title": "", "device_category": "nonsense"})
    assert not refused.is_valid()

    accepted = TicketSerializer(data={"title": "Screen flickers", "device_category": "computer"})

    assert accepted.is_valid(), accepted.errors
    assert accepted.validated_data == {"title": "Screen flickers", "device_category": "computer"}


class _Note(serializers.Serializer):
    text = serializers.CharField()


class _TicketWithNotes(StrictModelSerializer):
    notes = _Note(many=True, read_only=True)

    class Meta:
        model = Ticket
        fields = ["title", "notes"]


def test_a_nested_serializer_is_bound_to_the_serializer_using_it():
    first, second = _TicketWithNotes(), _TicketWithNotes()

    assert first.fields["notes"] is not second.fields["notes"]
    assert first.fields["notes"].child.root is first
    assert second.fields["notes"].child.root is second
