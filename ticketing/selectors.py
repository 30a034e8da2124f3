"""Ticketing's read queries: the expert's assignments, the helpdesk's ticket search and the
knowledge-base search."""

import re
import uuid
from functools import reduce
from operator import or_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import Q, QuerySet

from ticketing.apps import DATABASE
from ticketing.models import Article, Assignment, Expert, Ticket

SEARCH_RESULTS = 50
# A word shorter than a trigram cannot be looked up in the search indexes (PostgreSQL's pg_trgm):
# it would read every ticket, and matches nearly all of them anyway.
SEARCH_WORD_MIN_LENGTH = 3
CUSTOMER_ID_MAX = 2**63 - 1  # the column's range: a longer number is no customer's id


def expert_of_user(user_id: int | None) -> Expert | None:
    if user_id is None:
        return None
    return Expert.objects.filter(user_id=user_id).first()


def assignments_of(expert: Expert) -> QuerySet[Assignment]:
    return Assignment.objects.filter(expert=expert).select_related("ticket")


def tickets_search(*, tickets: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    """The helpdesk's search: the tickets that match every word of `text`. A ticket id finds that
    ticket, a number the customer of that id (or the number in a text); any other word is looked
    for, ignoring case, in the title, the description and the customer's name. Words shorter than
    three characters are left out. Each test is one an index serves on PostgreSQL (the key, the
    customer id, trigram indexes on the upper-cased texts), so a search never reads every ticket."""
    for word in text.split():
        try:
            tickets = tickets.filter(pk=uuid.UUID(word))
            continue
        except ValueError:
            pass
        matches = Q()
        if word.isdigit() and int(word) <= CUSTOMER_ID_MAX:
            matches |= Q(customer_id=int(word))
        if len(word) >= SEARCH_WORD_MIN_LENGTH:
            matches |= (
                Q(title__icontains=word)
                | Q(description__icontains=word)
                | Q(customer_name__icontains=word)
            )
        if matches:
            tickets = tickets.filter(matches)
    return tickets


def articles_search(*, text: str) -> list[Article]:
    """Articles holding any word of `text`, most relevant first: PostgreSQL's full-text ranking (a
    word in the title weighs more than in the body) when ticketing runs on PostgreSQL, a word count
    on the embedded default."""
    words = {word for word in re.findall(r"\w+", text.casefold()) if len(word) > 1}
    if not words:
        return []
    if connections[DATABASE].vendor == "postgresql":
        vector = SearchVector("title", weight="A", config="english") + SearchVector(
            "body", weight="B", config="english"
        )
        # Any word matches, so an expert's long description of a symptom still finds articles.
        query = reduce(or_, (SearchQuery(word, config="english") for word in sorted(words)))
        return list(
            Article.objects.annotate(rank=SearchRank(vector, query))
            .filter(rank__gt=0)
            .order_by("-rank", "-updated_at")[:SEARCH_RESULTS]
        )
    return _articles_by_word_count(words)


def _articles_by_word_count(words: set[str]) -> list[Article]:
    """Each occurrence of a word counts, three times in the title."""
    matching = Q()
    for word in words:
        matching |= Q(title__icontains=word) | Q(body__icontains=word)

    def score(article: Article) -> int:
        title, body = article.title.casefold(), article.body.casefold()
        return sum(3 * title.count(word) + body.count(word) for word in words)

    scored = [(score(article), article) for article in Article.objects.filter(matching)]
    scored.sort(key=lambda pair: (-pair[0], -pair[1].updated_at.timestamp()))
    return [article for _, article in scored[:SEARCH_RESULTS]]
