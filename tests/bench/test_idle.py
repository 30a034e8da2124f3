"""`python -m bench.portal.idle`: each part's CPU a second from two readings of the system idle."""

from bench.portal import cpu
from bench.portal.idle import per_second


def test_each_part_a_second_the_system_s_processes_summed_and_the_harness_left_out():
    before = {
        "load generator": 0.0,
        cpu.HARNESS: 1.0,
        "web": 2.0,
        "beat": 1.0,
        "ticketing worker": 3.0,
        "PostgreSQL": 5.0,
        "Redis": 1.0,
        "machine": 100.0,
    }
    after = {
        "load generator": 0.0,
        cpu.HARNESS: 1.5,
        "web": 2.1,
        "beat": 1.2,
        "ticketing worker": 3.3,
        "PostgreSQL": 5.4,
        "Redis": 1.1,
        "machine": 102.0,
    }

    assert per_second(before, after, seconds=10) == {
        "web": 10.0,
        "beat": 20.0,
        "ticketing worker": 30.0,
        "PostgreSQL": 40.0,
        "Redis": 10.0,
        "machine": 150.0,
        "the system's processes": 110.0,
    }


def test_a_part_read_only_once_is_left_out():
    before = {"web": 1.0, "machine": 10.0}
    after = {"web": 1.1, "beat": 0.5, "machine": 10.5}

    assert per_second(before, after, seconds=1) == {
        "web": 100.0,
        "machine": 500.0,
        "the system's processes": 100.0,
    }
