"""The portal's lists come a page at a time, newest first."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 20


def page_of(request: HttpRequest, items: QuerySet) -> Page:
    """The page `?page=` asks for; what is not a number shows the first page, a number out of
    range the last, so an old link never fails."""
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
