"""The quanta status as Prometheus gauges, computed when scraped, so an existing monitoring stack
can graph the pipes and alert on them (`sysops_problems > 0`, or per figure)."""

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from operations.status import QuantumStatus, system_status

PER_QUANTUM: list[tuple[str, str, Callable[[QuantumStatus], float | None]]] = [
    (
        "sysops_queue_consumers",
        "Workers consuming the quantum's queue, by their own answer.",
        lambda quantum: quantum.consumers,
    ),
    (
        "sysops_queue_depth",
        "Messages waiting on the quantum's queue.",
        lambda quantum: quantum.queue_depth,
    ),
    (
        "sysops_queue_growing_seconds",
        "How long the quantum's queue has grown at every sample (0 when it does not).",
        lambda quantum: quantum.growing_for.total_seconds() if quantum.growing_for else 0,
    ),
    (
        "sysops_unconfirmed_messages",
        "Messages sent to the quantum that it has not confirmed yet.",
        lambda quantum: quantum.unconfirmed,
    ),
    (
        "sysops_oldest_unconfirmed_seconds",
        "Age of the oldest message sent to the quantum and not confirmed yet (0 when none).",
        lambda quantum: (
            quantum.oldest_unconfirmed.total_seconds() if quantum.oldest_unconfirmed else 0
        ),
    ),
    (
        "sysops_dead_letters",
        "Messages the quantum gave up on.",
        lambda quantum: quantum.dead_letters,
    ),
    (
        "sysops_receiver_database_unreachable",
        "1 while the quantum's workers cannot reach its database to take deliveries.",
        lambda quantum: int(quantum.deliveries_failing is not None),
    ),
    (
        "sysops_database_unreadable",
        "1 when the status reader could not read the quantum's database.",
        lambda quantum: int(quantum.database_error is not None),
    ),
]


class StatusCollector(Collector):
    """One status computation per scrape; a figure that could not be read is left out, not 0."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        status = system_status()
        for name, documentation, value_of in PER_QUANTUM:
            family = GaugeMetricFamily(name, documentation, labels=["quantum"])
            for quantum in status.quanta:
                value = value_of(quantum)
                if value is not None:
                    family.add_metric([quantum.quantum], value)
            yield family
        yield GaugeMetricFamily(
            "sysops_broker_up",
            "1 when the broker answered.",
            value=int(status.broker_error is None),
        )
        yield GaugeMetricFamily(
            "sysops_problems",
            "Problems quanta_status names (it exits non-zero while this is above 0).",
            value=len(status.problems),
        )


registry = CollectorRegistry(auto_describe=False)
registry.register(StatusCollector())
