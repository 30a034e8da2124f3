"""The embedded default: the whole system on one machine with nothing installed but the virtualenv
(a redis-server of its own as the broker, SQLite databases), kept running by a small supervisor.
Started by `make run`, or `python -m operations.embedded --var-dir DIR --port N`."""
