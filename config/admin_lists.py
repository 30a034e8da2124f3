"""Admin lists over tables of millions of rows (the kata's size): every query of the page reads
only the rows it shows, through an index, so the page takes as long at ten million rows as at a
thousand. Django's defaults each read the whole table: the total count and the filtered count,
a date hierarchy's DISTINCT of every date, a filter offering every value a column holds, and a
search with `icontains`, or with `=` on a number or a UUID, which compares each row's text."""

from collections.abc import Sequence
from functools import cached_property

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q

# The most rows a list counts; past it, the page says "more than" this many.
LIST_COUNTED_MOST = 1_000


class CountingUpTo(Paginator):
    """Counts the rows listed only up to a limit: counting millions would read them all for a
    figure nobody pages through. Past it, the pages stop there and the page says "more than"
    (`templates/admin/pagination.html`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.limit = LIST_COUNTED_MOST

    @cached_property
    def count(self) -> int:
        # Sliced, the count keeps the list's ordering, so it walks an index and stops at the limit.
        return self.object_list[: self.limit + 1].count()

    @property
    def count_reached_limit(self) -> bool:
        return self.count > self.limit


class LargeTableAdmin(admin.ModelAdmin):
    """A list that stays fast at millions of rows. Its ordering needs an index; its filters must
    not offer a column's every value (a field with choices, or a `SimpleListFilter` that knows
    its few values without reading the table); and a search finds rows by `search_keys`: the
    term compared exactly, as each key's own type, with each key that can hold it (a name is
    found in the helpdesk's search, which has its own index of words)."""

    show_full_result_count = False
    paginator = CountingUpTo
    search_keys: Sequence[str] = ()

    def get_search_fields(self, request) -> Sequence[str]:
        return self.search_keys

    def get_search_results(self, request, queryset, search_term: str):
        term = search_term.strip()
        if not term:
            return queryset, False
        # A read per key, each through its key's index: one statement ORing keys across joined
        # tables reads every row. Each read stops past the counting limit, as the list does.
        found = set()
        for key in self.search_keys:
            if match := self._match(key, term):
                matches = queryset.filter(match).order_by().values_list("pk", flat=True)
                found.update(matches[: LIST_COUNTED_MOST + 1])
        return queryset.filter(pk__in=found), False

    def _match(self, key: str, term: str) -> Q | None:
        """The key equal to the term, or None when the key's field cannot hold the term."""
        field = _field(self.model, key)
        if field.is_relation:  # `customer_id`: the customer's key, within its range
            field = field.target_field
        try:
            value = field.to_python(term)
            field.run_validators(value)
        except ValidationError:
            return None
        return Q(**{key: value})


def _field(model, key: str):
    """The field a key names, following relations (`account__customer_id`)."""
    *relations, name = key.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return model._meta.get_field(name)
