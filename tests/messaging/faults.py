"""A handler that always fails, for the kernel's retry and burial tests."""


class InjectedFault(Exception):
    pass


def always_fails(message):
    raise InjectedFault("the expert directory is unreachable")
