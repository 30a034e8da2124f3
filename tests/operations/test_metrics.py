"""/metrics: the quanta status as Prometheus gauges, for this host or a scraper with the token."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.django_db(databases="__all__")


def _gauges(response) -> dict[tuple[str, str | None], float]:
    """Each sample by its name and its quantum label (None for system-wide figures)."""
    return {
        (sample.name, sample.labels.get("quantum")): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_this_host_reads_every_figure_per_quantum(client, worker):
    worker("customer", "billing", "analytics", "notifications")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    gauges = _gauges(response)
    assert gauges[("sysops_broker_up", None)] == 1
    assert gauges[("sysops_queue_consumers", "ticketing")] == 0
    assert gauges[("sysops_queue_consumers", "billing")] == 1
    # No worker on ticketing's queue, and the replica never synced.
    assert gauges[("sysops_problems", None)] == 2
    for name in (
        "sysops_queue_depth",
        "sysops_queue_growing_seconds",
        "sysops_unconfirmed_messages",
        "sysops_oldest_unconfirmed_seconds",
        "sysops_dead_letters",
        "sysops_receiver_database_unreachable",
        "sysops_database_unreadable",
    ):
        assert gauges[(name, "ticketing")] == 0, name


def test_a_broker_that_does_not_answer_is_a_figure_not_an_error(client, broker_refusing):
    response = client.get("/metrics")

    assert response.status_code == 200
    gauges = _gauges(response)
    assert gauges[("sysops_broker_up", None)] == 0
    assert ("sysops_queue_depth", "ticketing") not in gauges  # unknown, not 0
    assert gauges[("sysops_dead_letters", "ticketing")] == 0


@pytest.mark.parametrize("address", ["203.0.113.7", ""], ids=["another host", "no address"])
def test_another_host_is_refused_without_a_token(client, address):
    response = client.get("/metrics", REMOTE_ADDR=address)

    assert response.status_code == 403
    assert b"METRICS_TOKEN" in response.content


def test_with_a_token_set_every_scraper_must_send_it(client, settings, broker_refusing):
    settings.METRICS_TOKEN = "s3cret-scrape-token"

    missing = client.get("/metrics")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    unnamed = client.get("/metrics", headers={"Authorization": "s3cret-scrape-token"})
    right = client.get(
        "/metrics",
        headers={"Authorization": "Bearer s3cret-scrape-token"},
        REMOTE_ADDR="203.0.113.7",
    )

    assert (missing.status_code, missing["WWW-Authenticate"]) == (401, "Bearer")
    assert wrong.status_code == unnamed.status_code == 401
    assert right.status_code == 200
    assert ("sysops_broker_up", None) in _gauges(right)
