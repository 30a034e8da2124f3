"""The two Celery tasks every quantum's worker runs; each is a thin call into its endpoint."""

from celery import shared_task

from messaging.endpoint import RetryLater, endpoint_for


@shared_task(name="messaging.deliver", bind=True, acks_late=True, reject_on_worker_lost=True)
def deliver(task, receiver: str, envelope: dict) -> None:
    try:
        endpoint_for(receiver).receive(envelope)
    except RetryLater as later:
        # The budget is counted in the receiver's inbox, so Celery itself never gives up.
        raise task.retry(countdown=later.delay, max_retries=None) from None


@shared_task(name="messaging.sweep_outbox")
def sweep_outbox(quantum: str) -> int:
    return endpoint_for(quantum).sweep()
