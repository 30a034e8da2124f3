"""Percentiles computed by the database: PostgreSQL's `percentile_cont`, and the same function
registered on the embedded default's SQLite connections, which have none built in."""

import math

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, FloatField


class Percentile(Aggregate):
    """The continuous percentile (interpolated between the two nearest values), `fraction` from 0 to 1."""

    function = "percentile_cont"
    name = "Percentile"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, fraction: float, **extra) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("a percentile's fraction is between 0 and 1")
        super().__init__(expression, fraction=float(fraction), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="%(function)s(%(expressions)s, %(fraction)s)",
            **extra_context,
        )


class _SqlitePercentile:
    """SQLite's side of `percentile_cont(value, fraction)`, the same interpolation as PostgreSQL's."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value: float | None, fraction: float) -> None:
        self.fraction = fraction
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        if not self.values:
            return None
        ordered = sorted(self.values)
        position = self.fraction * (len(ordered) - 1)
        below, above = math.floor(position), math.ceil(position)
        return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def percentile_registered(*, connection: BaseDatabaseWrapper, **_: object) -> None:
    """Connected to `connection_created`: every SQLite connection gets the function."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("percentile_cont", 2, _SqlitePercentile)
