"""How the kernel writes an error down: in its outbox, inbox, dead letters, job runs and logs."""


def describe_error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]
