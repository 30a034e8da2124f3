"""A quantum's end of the message bus: its sender and its receiver, and where to find them.

The sender (messaging/sender.py) keeps what the quantum publishes in its outbox until the receiver
confirms it; the receiver (messaging/receiver.py) applies what it is sent exactly once, buries what
keeps failing, and confirms what it settled. Each quantum declares its endpoint once, with the
handler of each message it takes in, and registers it when Django starts.
"""

import uuid
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

from django.apps import apps

from messaging.contract import Message
from messaging.receiver import BurialHandler, Handler, Outcome, Receiver
from messaging.sender import Sender


class Endpoint:
    def __init__(
        self,
        *,
        app_label: str,
        handlers: Mapping[type[Message], Handler],
        on_burial: Mapping[type[Message], BurialHandler] | None = None,
    ) -> None:
        self.app_label = app_label
        self._handlers = handlers
        self._on_burial = on_burial

    @cached_property
    def quantum(self) -> str:
        """The quantum's name, which is also its database alias and the queue it listens on."""
        return apps.get_app_config(self.app_label).database

    @cached_property
    def sender(self) -> Sender:
        return Sender(quantum=self.quantum)

    @cached_property
    def receiver(self) -> Receiver:
        return Receiver(
            quantum=self.quantum,
            handlers=self._handlers,
            on_burial=self._on_burial,
            sender=self.sender,
        )

    def publish(self, message: Message, *, correlation_id: uuid.UUID | None = None) -> uuid.UUID:
        return self.sender.publish(message, correlation_id=correlation_id)

    def publish_all(self, messages: Sequence[Message]) -> list[uuid.UUID]:
        return self.sender.publish_all(messages)

    def receive(self, raw: Any, *, first_delivery: bool = False) -> Outcome:
        return self.receiver.receive(raw, first_delivery=first_delivery)


_endpoints: dict[str, Endpoint] = {}


def register(endpoint: Endpoint) -> None:
    _endpoints[endpoint.quantum] = endpoint


def endpoint_for(quantum: str) -> Endpoint:
    return _endpoints[quantum]


def endpoints() -> list[Endpoint]:
    return list(_endpoints.values())
