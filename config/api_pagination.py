"""How the API's lists come in pages: DRF's cursor pagination, newest first.

A cursor page reads where the last one ended (`WHERE field < position … LIMIT n`), so the page a
client asks for costs the same however long the list has grown, where an offset would read and
skip every row before it; and a row added meanwhile neither repeats nor hides one. Each list's
ordering has an index that starts with the list's owner and the ordering field."""

from rest_framework.pagination import CursorPagination

PAGE_SIZE = 20


class NewestFirst(CursorPagination):
    """`results`, with `next` and `previous` links (null at either end). The page size is fixed:
    a size asked for would be one more input to refuse when it is not a number."""

    page_size = PAGE_SIZE


def newest_first(field: str) -> type[NewestFirst]:
    """The pagination of a list ordered by `field`, newest first."""
    return type(f"NewestFirstBy_{field}", (NewestFirst,), {"ordering": f"-{field}"})
