"""Experts write and update knowledge-base articles and find them ranked by relevance."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from tests.ticketing.factories import ArticleFactory, ExpertFactory
from ticketing.models import Article
from ticketing.selectors import articles_search

pytestmark = pytest.mark.django_db(databases=["default", "ticketing"])

ARTICLES = "/api/ticketing/articles/"


@pytest.fixture
def expert():
    user = get_user_model().objects.create_user(username="expert")
    return ExpertFactory(user_id=user.id, name="Ada Expert")


@pytest.fixture
def api(expert):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=expert.user_id))
    return client


def test_search_ranks_the_most_relevant_article_first():
    ArticleFactory(title="Television remote pairing", body="Hold the power button.")
    ArticleFactory(title="Laptop fan noise", body="Clean the fan; an old battery may also heat up.")
    ArticleFactory(title="Phone battery swelling", body="A swollen battery must be replaced.")
    ArticleFactory(title="Laptop battery drains", body="Calibrate the battery, then the battery.")

    found = [article.title for article in articles_search(text="phone battery")]

    # Both words, one in the title, beat one word however often; a word in a title beats the body.
    assert found == ["Phone battery swelling", "Laptop battery drains", "Laptop fan noise"]


def test_search_with_no_matching_word_finds_nothing():
    ArticleFactory(title="Laptop battery")

    assert articles_search(text="dishwasher") == []


def test_an_expert_writes_an_article_and_finds_it(api, expert):
    created = api.post(
        ARTICLES,
        {
            "title": "Cracked phone screen",
            "body": "Use the suction tool.",
            "device_category": "phone",
        },
        format="json",
    )

    assert created.status_code == 201, created.content
    assert created.json()["author"] == "Ada Expert"
    found = api.get(ARTICLES, {"q": "screen"})
    assert [a["title"] for a in found.json()["results"]] == ["Cracked phone screen"]


def test_an_expert_updates_an_article(api):
    article = ArticleFactory(title="Old title")

    response = api.patch(f"{ARTICLES}{article.pk}/", {"title": "New title"}, format="json")

    assert response.status_code == 200
    # An article whose author is gone still answers the field, blank, as the schema states.
    assert response.json()["author"] == ""
    article.refresh_from_db()
    assert article.title == "New title"


def test_an_article_without_a_title_or_with_an_unknown_device_is_refused(api):
    response = api.post(
        ARTICLES, {"title": "", "body": "Text.", "device_category": "spaceship"}, format="json"
    )

    assert response.status_code == 400
    assert {"title", "device_category"} <= set(response.json())
    assert not Article.objects.exists()
