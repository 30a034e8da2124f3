"""Ticketing's read queries: the expert's assignments, the helpdesk's ticket search and the
knowledge-base search."""

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import reduce
from operator import or_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery

from ticketing.apps import DATABASE
from ticketing.models import Article, Assignment, Expert, Ticket, TicketWord, searched_words

SEARCH_RESULTS = 50
# A search reads the tickets of its rarest word; each word's newest are read up to this to find it.
WORD_TICKETS_COUNTED = 1_000
CUSTOMER_ID_MAX = 2**63 - 1  # the column's range: a longer number is no customer's id
NO_TIME = datetime.min.replace(tzinfo=UTC)


def expert_of_user(user_id: int | None) -> Expert | None:
    if user_id is None:
        return None
    return Expert.objects.filter(user_id=user_id).first()


def assignments_of(expert: Expert) -> QuerySet[Assignment]:
    return Assignment.objects.filter(expert=expert).select_related("ticket")


@dataclass(frozen=True)
class TicketsFound:
    """A helpdesk search's tickets: its newest matches, up to the page shown and one more when
    there are more. Then `count` is `most` + 1 and the page says "more than `most`"; below it, the
    count is exact. Both are None when the text held nothing to search for: the list is whole."""

    tickets: QuerySet[Ticket]
    count: int | None = None
    most: int | None = None


@dataclass(frozen=True)
class CustomerNumber:
    """A number typed: a customer's id, or a word of a text (an error code, say)."""

    value: int

    @property
    def words(self) -> list[str]:
        return searched_words(str(self.value))


Term = uuid.UUID | CustomerNumber | str
Newest = list[tuple[datetime, uuid.UUID]]


def tickets_search(*, tickets: QuerySet[Ticket], text: str, shown: int) -> TicketsFound:
    """The helpdesk's search: the newest `shown` tickets that match every term of `text`, and
    whether there are more. A ticket id finds that ticket; a number the tickets of the customer
    with that id or holding the number as a word; any other word the tickets holding it, whole and
    in any case, in the title, the description or the customer's name (`searched_words`).

    What it reads follows the page, not the matches. One term leads: a ticket id, else a number
    (that customer's tickets, and the number's as a word), else the rarest word, whose tickets are
    read newest first along `ticket_word_newest_first`. Each ticket read is tested for the other
    terms as it is read, and the reading stops at `shown` + 1 matches."""
    terms = _terms(text)
    if not terms:
        return TicketsFound(tickets=tickets)
    newest = _newest_matches(tickets, terms, most=shown + 1)
    return TicketsFound(
        tickets=tickets.filter(pk__in=[pk for _, pk in newest]), count=len(newest), most=shown
    )


def _terms(text: str) -> list[Term]:
    terms: list[Term] = []
    for typed in text.split():
        try:
            terms.append(uuid.UUID(typed))
        except ValueError:
            if typed.isdigit() and int(typed) <= CUSTOMER_ID_MAX:
                terms.append(CustomerNumber(int(typed)))
            else:
                terms.extend(searched_words(typed))
    return list(dict.fromkeys(terms))


def _newest_matches(tickets: QuerySet[Ticket], terms: list[Term], *, most: int) -> Newest:
    words = sorted([term for term in terms if isinstance(term, str)], key=_rarity)
    ordered = [term for term in terms if not isinstance(term, str)] + words
    lead, others = ordered[0], ordered[1:]
    if isinstance(lead, uuid.UUID):
        return _newest(_meeting(tickets.filter(pk=lead), others, "pk"), most)
    if isinstance(lead, CustomerNumber):
        of_customer = _newest(_meeting(tickets.filter(customer_id=lead.value), others, "pk"), most)
        as_word = [_holding(tickets, word, others, most) for word in lead.words]
        return sorted(set(of_customer).union(*as_word), reverse=True)[:most]
    return _holding(tickets, lead, others, most)


def _rarity(word: str) -> tuple[int, datetime]:
    """Sorts the words held by the fewest tickets first. The word's newest tickets are read up to
    a count: a word below it is counted exactly; of words past it, the rarer one's newest tickets
    reach further back in time, so the word whose last ticket counted is the oldest comes first."""
    held = _tickets_holding(word)[:WORD_TICKETS_COUNTED].aggregate(
        count=Count("*"), reach=Min("submitted_at")
    )
    # A word no ticket holds reaches no time; it leads, and the search reads nothing.
    return held["count"], held["reach"] or NO_TIME


def _holding(tickets: QuerySet[Ticket], word: str, others: list[Term], most: int) -> Newest:
    """The newest tickets holding `word` that meet the other terms, read along the word's index."""
    rows = _meeting(_tickets_holding(word), others, "ticket_id")
    if tickets.query.has_filters():
        rows = rows.filter(Exists(tickets.filter(pk=OuterRef("ticket_id"))))
    return list(rows.values_list("submitted_at", "ticket_id")[:most])


def _tickets_holding(word: str) -> QuerySet[TicketWord]:
    """The word's rows in the order of `ticket_word_newest_first`: read sliced, or counted up to a
    limit, they are read along it. Unordered, PostgreSQL may read the table until it meets enough
    rows of a word it guesses common, and a word rarer than it guesses costs the whole table."""
    return TicketWord.objects.filter(word=word).order_by("-submitted_at", "-ticket_id")


def _newest(tickets: QuerySet[Ticket], most: int) -> Newest:
    return list(tickets.order_by("-submitted_at", "-pk").values_list("submitted_at", "pk")[:most])


def _meeting(rows: QuerySet, terms: list[Term], ticket: str) -> QuerySet:
    """The rows whose ticket (its key in the field `ticket`) meets every term, each tested in turn
    as the rows are read, the first term first. Each test is a subquery of one row:
    PostgreSQL turns an EXISTS into a join or a hashed subplan, which reads every ticket of a
    common word, so would grow with the tickets; tested row by row, reading stops at the page."""
    for number, term in enumerate(terms):
        if isinstance(term, uuid.UUID):
            rows = rows.filter(**{ticket: term})
            continue
        tests = {
            f"term_{number}_{way}": Subquery(found)
            for way, found in enumerate(_ways_to_meet(term, OuterRef(ticket)))
        }
        met = reduce(or_, [Q(**{f"{test}__isnull": False}) for test in tests])
        rows = rows.alias(**tests).filter(met)
    return rows


def _ways_to_meet(term: CustomerNumber | str, ticket: OuterRef) -> list[QuerySet]:
    """Queries of at most one row, each a way for the ticket to meet the term."""
    if isinstance(term, CustomerNumber):
        of_customer = Ticket.objects.filter(pk=ticket, customer_id=term.value).values("pk")[:1]
        return [of_customer, *(_held(word, ticket) for word in term.words)]
    return [_held(term, ticket)]


def _held(word: str, ticket: OuterRef) -> QuerySet:
    """The word's row of the ticket, looked up along `ticket_word_newest_first` by the ticket's
    submission time: as the rows are read newest first, so are the word's, a few pages apart,
    where looked up by the ticket alone each would be on an index page of its own."""
    return TicketWord.objects.filter(
        word=word, submitted_at=OuterRef("submitted_at"), ticket_id=ticket
    ).values("word")[:1]


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
