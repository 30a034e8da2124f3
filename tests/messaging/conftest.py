import pytest

from message_contracts.tickets import TicketCreated
from messaging.endpoint import Endpoint


@pytest.fixture
def ticketing_with(settings):
    """Ticketing's endpoint with another TicketCreated handler, to make it fail on purpose."""
    settings.MESSAGING_RETRY_BASE_SECONDS = 1
    settings.MESSAGING_RETRY_MAX_SECONDS = 8

    def endpoint(handler) -> Endpoint:
        return Endpoint(app_label="ticketing", handlers={TicketCreated: handler})

    return endpoint
