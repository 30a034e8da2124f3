"""Reads run at every API request, their SQL compiled once per process.

Django compiles a queryset's SQL again each time it is evaluated. For the two reads of every
signed-in API request (the token with its user, the customer) this cost the web process more CPU
than running them (issue 18). The SQL of such a read depends on the code alone, so it is compiled
once; the rows are read at every call, so nothing a request depends on is kept.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db import connections, models
from django.db.models.query import get_related_populators


@dataclass(frozen=True)
class _Compiled:
    using: str
    sql: str
    params: list[Any]
    value_at: int
    model: type[models.Model]
    columns: slice
    attnames: list[str]
    related: list
    converters: dict


class CompiledRead:
    """`build(value)` returns the read's queryset for one value. It is built once with
    `placeholder`, which must be among the SQL's parameters once, and each call's value takes its
    place as given: a text or an integer, which Django would pass on unchanged. A call returns the
    model instances Django would, with what `select_related` reads."""

    def __init__(self, build: Callable[[Any], models.QuerySet], *, placeholder: Any) -> None:
        self._build = build
        self._placeholder = placeholder

    @cached_property
    def _compiled(self) -> _Compiled:
        queryset = self._build(self._placeholder)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        params = list(params)
        if params.count(self._placeholder) != 1:
            raise ValueError(f"the placeholder {self._placeholder!r} is not one of {params!r}")
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        columns = slice(fields[0], fields[-1] + 1)
        return _Compiled(
            using=queryset.db,
            sql=sql,
            params=params,
            value_at=params.index(self._placeholder),
            model=klass_info["model"],
            columns=columns,
            attnames=[column.target.attname for column, _, _ in select[columns]],
            related=get_related_populators(klass_info, select, queryset.db),
            converters=compiler.get_converters([column for column, _, _ in select]),
        )

    def __call__(self, value: Any) -> list[models.Model]:
        compiled = self._compiled
        params = [*compiled.params]
        params[compiled.value_at] = value
        connection = connections[compiled.using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        found = []
        for row in rows:
            row = list(row)
            # The backend's own conversions (SQLite returns times and booleans as text and numbers).
            for position, (converters, expression) in compiled.converters.items():
                for converter in converters:
                    row[position] = converter(row[position], expression, connection)
            instance = compiled.model.from_db(
                compiled.using, compiled.attnames, row[compiled.columns]
            )
            for related in compiled.related:
                related.populate(row, instance)
            found.append(instance)
        return found
