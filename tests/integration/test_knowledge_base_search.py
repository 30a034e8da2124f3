"""Knowledge-base search on PostgreSQL ranks with full-text search, as on the embedded default."""

import pytest

from ticketing.models import Article
from ticketing.selectors import articles_search

pytestmark = [pytest.mark.integration, pytest.mark.django_db(databases=["ticketing"])]


def test_postgresql_full_text_search_ranks_the_most_relevant_article_first():
    Article.objects.create(title="Television remote pairing", body="Hold the power button.")
    Article.objects.create(
        title="Laptop fan noise", body="Clean the fan; an old battery may also heat up."
    )
    Article.objects.create(
        title="Phone battery swelling", body="A swollen battery must be replaced."
    )
    Article.objects.create(
        title="Laptop battery drains", body="Calibrate the battery, then the battery."
    )

    found = [article.title for article in articles_search(text="phone batteries")]

    # Stemming: "batteries" finds "battery".
    assert found == ["Phone battery swelling", "Laptop battery drains", "Laptop fan noise"]
