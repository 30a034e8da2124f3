"""Ticketing's read queries: the expert's assignments, the helpdesk's ticket search and the
knowledge-base search."""

import re
import uuid
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections, transaction
from django.db.models import Case, Q, QuerySet, Value, When

from ticketing.apps import DATABASE
from ticketing.models import Article, Assignment, Expert, Ticket

SEARCH_RESULTS = 50
# The most matches a helpdesk search sorts; past it, the page says "more than" this many.
SEARCH_SORTED_MOST = 1_000
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


@dataclass(frozen=True)
class TicketsFound:
    """A helpdesk search's tickets, and how many there are: exact up to SEARCH_SORTED_MOST, one
    more meaning more than that; None when the text held nothing to search for."""

    tickets: QuerySet[Ticket]
    count: int | None


def tickets_search(*, tickets: QuerySet[Ticket], text: str) -> TicketsFound:
    """The helpdesk's search: the tickets that match every word of `text`. A ticket id finds that
    ticket, a number the customer of that id (or the number in a text); any other word is looked
    for, ignoring case, in the title, the description and the customer's name. Words shorter than
    three characters are left out.

    What it reads is bounded by SEARCH_SORTED_MOST or by the page, not by all the matches: the
    indexes (the key, the customer id, trigram indexes on the upper-cased texts) find the first
    SEARCH_SORTED_MOST + 1 matches in no order. When that is all of them, the tickets are those few
    and sorting them is cheap. When there are more, the words are common enough that reading the
    tickets in the list's own order (newest first, along its index) and testing each meets a page
    of matches soon, so the matches are tested as a filter no index serves: otherwise PostgreSQL
    would read and sort all of them to show the newest page."""
    matching = _matching(text)
    if matching is None:
        return TicketsFound(tickets=tickets, count=None)
    first = _first_matches(tickets.filter(matching))
    if len(first) <= SEARCH_SORTED_MOST:
        return TicketsFound(tickets=tickets.filter(pk__in=first), count=len(first))
    tested = Case(When(matching, then=Value(True)), default=Value(False))
    return TicketsFound(
        tickets=tickets.alias(matches_search=tested).filter(matches_search=True),
        count=len(first),
    )


def _matching(text: str) -> Q | None:
    """What a ticket must match for every word of `text`, each test one an index serves on
    PostgreSQL; None when no word can be searched for."""
    matching = Q()
    for word in text.split():
        try:
            matching &= Q(pk=uuid.UUID(word))
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
        matching &= matches
    return matching or None


def _first_matches(tickets: QuerySet[Ticket]) -> list[uuid.UUID]:
    """The ids of up to SEARCH_SORTED_MOST + 1 of the tickets, in no order, found through the
    indexes. With a LIMIT, PostgreSQL may plan to read the table until it has met enough matches,
    on its guess of how common the words are; for words rarer than it guesses that reads every
    ticket. Sequential scans are off for this one statement, so it reads the indexes instead,
    whose cost follows the matches."""
    ids = tickets.order_by().values_list("pk", flat=True)[: SEARCH_SORTED_MOST + 1]
    connection = connections[ids.db]
    if connection.vendor != "postgresql":
        return list(ids)
    with transaction.atomic(using=ids.db), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)"
        )
        previous = cursor.fetchone()[0]
        found = list(ids)
        cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [previous])
    return found


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
