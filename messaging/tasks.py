"""The Celery tasks every quantum's worker runs; each is a thin call into its endpoint."""

import logging
import threading
import time
from datetime import timedelta

from celery import shared_task, signals
from django.conf import settings
from django.db import DatabaseError

from messaging import broker
from messaging.broker_notes import note_database_reachable, note_database_unreachable
from messaging.endpoint import Endpoint, endpoint_for
from messaging.errors import describe_error
from messaging.job_runs import job_run_recorded
from messaging.receiver import RetryLater, retry_delay
from messaging.replays import REPLAY_TASK, dead_letter_replay_run

logger = logging.getLogger(__name__)

# While the receiver's database is away the message is not at fault: try again about as often as
# the sweep runs, so deliveries resume within seconds of the database coming back.
DATABASE_AWAY_RETRY_MAX_SECONDS = 2.0


# max_retries=None here, not on retry(): there it means "the task's default", three.
@shared_task(
    name=broker.DELIVERY_TASK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def deliver(task, receiver: str, envelope: dict, first_hand_over: bool = False) -> None:
    request = task.request
    first = broker.surely_first_delivery(
        first_hand_over=first_hand_over,
        redelivered=bool((request.delivery_info or {}).get("redelivered")),
        retries=request.retries,
    )
    endpoint = endpoint_for(receiver)
    if first and applied_with_those_behind(endpoint, envelope):
        note_database_reachable(task.app, receiver)
        return
    try:
        endpoint.receive(envelope, first_delivery=first)
    except RetryLater as later:
        # The budget is counted in the receiver's inbox, so Celery itself never gives up.
        note_database_reachable(task.app, receiver)
        raise task.retry(countdown=later.delay) from None
    except DatabaseError as error:
        # The receiver's own database is away, so not even the delivery could be counted: try
        # again later rather than let the broker drop the message (handler errors never get here).
        # Said in the broker too, where the status report sees it without that database.
        delay = min(retry_delay(task.request.retries + 1), DATABASE_AWAY_RETRY_MAX_SECONDS)
        note_database_unreachable(task.app, receiver, describe_error(error), retry_in=delay)
        raise task.retry(countdown=delay) from None
    note_database_reachable(task.app, receiver)


def applied_with_those_behind(endpoint: Endpoint, envelope: dict) -> bool:
    """Applies a first delivery together with the first deliveries queued right behind it, in one
    transaction (issue 18: a backlog then costs a transaction and a Celery task per batch, not per
    message). False when none waits or applying them together fails: those taken go back to the
    queue, to be received one by one, and this one is received on its own."""
    if settings.MESSAGING_APPLY_TOGETHER < 2:
        return False
    try:
        with broker.first_deliveries_taken(
            endpoint.quantum, at_most=settings.MESSAGING_APPLY_TOGETHER - 1
        ) as taken:
            behind = taken.envelopes
            if behind and endpoint.receiver.applied_together([envelope, *behind]):
                taken.acknowledge()
                logger.info("%d deliveries applied together", len(behind) + 1)
                return True
    except Exception as error:  # every transport raises its own kind
        logger.warning("deliveries not taken together, one by one: %s", describe_error(error))
    return False


@shared_task(name="messaging.sweep_outbox", bind=True)
def sweep_outbox(task, quantum: str) -> int:
    """The quantum's periodic round, for both its roles: as a receiver it tells senders what it
    settled, as a sender it hands over what is due. One task rather than two, so the scheduler
    queues one task per quantum and interval."""
    with job_run_recorded(quantum, task.name):
        endpoint = endpoint_for(quantum)
        confirmations = endpoint.receiver.confirm_settled()
        handed_over = endpoint.sender.sweep()
    if confirmations or handed_over:
        logger.info(
            "Outbox of %s: %d handed to the broker, %d confirmations sent",
            quantum,
            handed_over,
            confirmations,
        )
    return handed_over


@shared_task(name="messaging.confirm")
def confirm(sender: str, message_ids: list[str]) -> int:
    return endpoint_for(sender).sender.confirm(message_ids)


@shared_task(name="messaging.prune", bind=True)
def prune(task, quantum: str) -> tuple[int, int]:
    with job_run_recorded(quantum, task.name):
        endpoint = endpoint_for(quantum)
        older_than = timedelta(days=settings.MESSAGING_RETENTION_DAYS)
        return (
            endpoint.sender.prune(older_than=older_than),
            endpoint.receiver.prune(older_than=older_than),
        )


@shared_task(name=REPLAY_TASK)
def replay_dead_letter(quantum: str, replay_id: int) -> str:
    return dead_letter_replay_run(quantum=quantum, replay_id=replay_id)


@signals.worker_ready.connect
def orphans_requeued_when_a_worker_starts(sender, **_) -> None:
    """A worker killed mid-message leaves it parked in the broker for the visibility timeout; the
    next worker of its queue to start puts it back. In a thread, so the worker's own control
    channel can answer the question of who holds what."""
    queues = [queue.name for queue in sender.task_consumer.queues]
    threading.Thread(
        target=_orphans_requeue,
        args=(queues,),
        kwargs={"taken_before": time.time()},
        name="orphans-requeue",
        daemon=True,
    ).start()


def _orphans_requeue(queues: list[str], *, taken_before: float) -> None:
    try:
        broker.orphans_requeue(queues, taken_before=taken_before)
    except Exception as error:  # every transport raises its own kind
        logger.warning(
            "could not look for messages a killed worker left: %s (they come back after the "
            "confirmation timeout)",
            describe_error(error),
        )
