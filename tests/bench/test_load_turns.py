"""Workloads compared in one load take turns: each request is the workload whose turn it is, and
each workload's throughput is over its own share of the measured time."""

import pytest

from bench.portal.load import Recorder, Turns


def turns(*workloads: str, measured: float, turn: float = 1.0) -> Turns:
    return Turns([Recorder(workload, 100.0, 100.0 + measured) for workload in workloads], turn)


def test_the_workloads_take_turns_from_the_start_of_the_measured_time():
    load = turns("ticket", "ticket without message", measured=4.0)
    whose = [load.whose(100.0 + offset).workload for offset in (0.0, 0.99, 1.0, 2.5, 3.2)]
    assert whose == [
        "ticket",
        "ticket",
        "ticket without message",
        "ticket",
        "ticket without message",
    ]


def test_the_warm_up_takes_turns_too():
    load = turns("ticket", "ticket without message", measured=4.0)
    assert load.whose(99.5).workload == "ticket without message"
    assert load.whose(98.5).workload == "ticket"


@pytest.mark.parametrize(
    ("measured", "expected"),
    [(4.0, [2.0, 2.0]), (4.5, [2.5, 2.0]), (3.25, [2.0, 1.25])],
)
def test_each_workload_is_measured_over_its_own_turns(measured, expected):
    load = turns("ticket", "ticket without message", measured=measured)
    assert load.measured_seconds() == pytest.approx(expected)


def test_a_workload_alone_has_every_turn():
    load = turns("insert", measured=6.0, turn=0.7)
    assert load.whose(105.9).workload == "insert"
    assert load.measured_seconds() == pytest.approx([6.0])


def test_each_workloads_cpu_is_read_over_its_own_turns():
    from bench.portal.harness import cpu_in_turns

    # The machine busy 0.3 s in each of the ticket's turns and 0.2 s in each of the other's,
    # the web 0.2 s and 0.1 s of it; two requests measured in each workload's turns.
    readings = [
        {"web": web, "machine": machine}
        for web, machine in [(0.0, 0.0), (0.2, 0.3), (0.3, 0.5), (0.5, 0.8), (0.6, 1.0)]
    ]
    result = {
        "at_turns": readings,
        "workloads": [
            {"workload": "ticket", "samples": [(0.1, 0.05, 201), (2.1, 0.05, 201)]},
            {"workload": "ticket without message", "samples": [(1.1, 0.05, 201)] * 2},
        ],
    }
    with_message, without = cpu_in_turns(result)
    assert with_message["web"] == pytest.approx(200.0)
    assert with_message["total"] == pytest.approx(300.0)
    assert without["web"] == pytest.approx(100.0)
    assert without["total"] == pytest.approx(200.0)
