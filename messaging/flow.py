"""The flow a piece of work belongs to: the correlation id shared by every message of one business
operation (a ticket from the portal to the expert's SMS) and the message being handled, if any.

Messages published inside a flow carry its correlation id; every log line carries both ids, so one
operation can be followed across processes with a single search.
"""

import contextvars
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

_correlation_id: contextvars.ContextVar[uuid.UUID | None] = contextvars.ContextVar(
    "correlation_id", default=None
)
_message_id: contextvars.ContextVar[uuid.UUID | None] = contextvars.ContextVar(
    "message_id", default=None
)


def current_correlation_id() -> uuid.UUID | None:
    return _correlation_id.get()


@contextmanager
def flow(correlation_id: uuid.UUID, *, message_id: uuid.UUID | None = None) -> Iterator[None]:
    tokens = (_correlation_id.set(correlation_id), _message_id.set(message_id))
    try:
        yield
    finally:
        _correlation_id.reset(tokens[0])
        _message_id.reset(tokens[1])


class FlowLogFilter(logging.Filter):
    """Stamps each log record with the flow's ids ("-" outside any flow)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = str(_correlation_id.get() or "-")
        record.message_id = str(_message_id.get() or "-")
        return True
