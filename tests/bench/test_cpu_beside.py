"""The product and the monolith run side by side: whichever is measured, the other's processes are
read apart and left out of the total, so a system is not billed for the other idling beside it."""

import pytest

from bench.portal.cpu import BESIDE, HARNESS, spent_over


def test_the_other_systems_processes_are_left_out_of_the_total():
    stretches = [
        (
            {"web": 1.0, f"{BESIDE}web": 5.0, "PostgreSQL": 2.0, "machine": 10.0},
            {"web": 1.3, f"{BESIDE}web": 5.1, "PostgreSQL": 2.1, "machine": 10.6},
        ),
        (
            {"web": 2.0, f"{BESIDE}web": 6.0, "PostgreSQL": 3.0, "machine": 20.0},
            {"web": 2.3, f"{BESIDE}web": 6.1, "PostgreSQL": 3.1, "machine": 20.6},
        ),
    ]

    figures = spent_over(stretches, requests=100)

    # 1.2 s of the machine in the two stretches, 0.2 s of it the other system's web.
    assert figures["total"] == pytest.approx(10.0)
    assert figures["web"] == pytest.approx(6.0)
    assert figures["other"] == pytest.approx(2.0)
    assert not any(part.startswith(BESIDE) for part in figures)


def test_a_part_read_in_only_one_of_a_stretchs_readings_is_not_counted():
    stretches = [({"web": 1.0, "machine": 1.0}, {"web": 2.0, "beat": 0.5, "machine": 3.0})]

    figures = spent_over(stretches, requests=1000)

    assert "beat" not in figures
    assert figures["other"] == pytest.approx(1.0)


def test_the_harness_is_left_out_of_the_total():
    stretches = [
        ({HARNESS: 1.0, "web": 0.0, "machine": 0.0}, {HARNESS: 1.5, "web": 1.0, "machine": 2.0})
    ]

    figures = spent_over(stretches, requests=1000)

    assert figures["total"] == pytest.approx(1.5)
    assert figures["other"] == pytest.approx(0.5)
