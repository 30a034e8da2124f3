"""Every line logged while a message is handled names the message and its flow."""

import logging

import pytest

from message_contracts.tickets import TicketCreated
from messaging.endpoint import Endpoint
from messaging.flow import FlowLogFilter

pytestmark = pytest.mark.django_db(databases="__all__")


def test_every_line_logged_while_handling_names_the_message_and_its_flow(
    ticket_created, envelope_of, caplog
):
    def handler_that_logs(message):
        logging.getLogger("ticketing").warning("looking for an expert")

    envelope = envelope_of(ticket_created())
    receiver = Endpoint(app_label="ticketing", handlers={TicketCreated: handler_that_logs})
    caplog.handler.addFilter(FlowLogFilter())

    receiver.receive(envelope)

    lines = [r for r in caplog.records if r.name in ("ticketing", "messaging.receiver")]
    assert {(r.correlation_id, r.message_id) for r in lines} == {
        (envelope["correlation_id"], envelope["id"])
    }
    assert [r.getMessage() for r in lines] == ["looking for an expert", "TicketCreated applied"]
