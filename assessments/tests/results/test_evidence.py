"""Evidence and comments: their number per key action on the results page,
and each key action's comments on a page of their own, for facilitators."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Rating, Response, Round, RoundStatus
from assessments.paper.checks import PaperAnswer
from assessments.paper.services import paper_response_create
from assessments.results.releases import results_changed
from assessments.tests.factories import RoundFactory, lbc_rubrics
from assessments.tests.results.test_results import add_respondents
from assessments.tests.results_helpers import CAE, assert_page_rules, cae_round, invite_to, key_action, text_of, url
from convening.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _with_evidence(round_, texts, *, group="Family", position=1):
    """One paper respondent per text, commenting it on key action `position`."""
    add_respondents(round_, group, [3] * len(texts))
    ratings = list(
        Rating.objects.filter(response__round=round_, key_action__position=position, evidence="").order_by("pk")
    )
    for rating, text in zip(ratings, texts, strict=False):
        rating.evidence = text
    Rating.objects.bulk_update(ratings, ["evidence"])
    results_changed(round_id=round_.pk, response_ids=[rating.response_id for rating in ratings])


def _comments_on_page(html: str) -> list[str]:
    found = re.search(r'<ul class="evidence[^"]*">(.*?)</ul>', html, re.DOTALL)
    items = re.findall(r"<li[^>]*>(.*?)</li>", found.group(1), re.DOTALL) if found else []
    return [text_of(item.replace("<br>", "\n")) for item in items]


def _evidence_block(html: str, round_, position=1) -> str:
    """The evidence part of one key action's card on the results page."""
    found = re.search(rf'<section id="ka-{key_action(round_, position).pk}".*?</section>', html, re.DOTALL)
    assert found is not None
    card = found.group(0)
    return text_of(card[card.index("Evidence and comments") :])


# The results page ------------------------------------------------------------------


def test_the_results_page_shows_how_many_comments_and_links_to_them(client, facilitator, org):
    round_ = cae_round(org)
    _with_evidence(round_, ["monthly meetings", "Agendas shared late", "third"])
    _with_evidence(round_, ["elsewhere"], position=2)
    add_respondents(round_, "Educator", [1, 2])  # 6 respondents, the threshold being 5
    client.force_login(facilitator)
    html = client.get(url("results", round_)).content.decode()
    assert_page_rules(html)
    assert "Read the 3 comments" in _evidence_block(html, round_, 1)
    assert url("results_evidence", round_, key_action(round_, 1).pk) in html
    assert "Read 1 comment" in _evidence_block(html, round_, 2)
    assert "No comments on this key action." in _evidence_block(html, round_, 3)
    assert url("results_evidence", round_, key_action(round_, 3).pk) not in html
    assert "monthly meetings" not in html  # the text stays on its own page


def test_blank_evidence_is_not_a_comment(client, facilitator, org):
    round_ = cae_round(org)
    _with_evidence(round_, ["one", "two", "three", "four", "five"])
    first = key_action(round_)
    answers = [
        PaperAnswer(key_action_id=ka.pk, level_id=None, not_sure=True, evidence=" \n\t " if ka == first else "")
        for ka in round_.rubrics.get().key_actions.all()
    ]
    paper_response_create(
        round=round_,
        respondent_code="P-blank",
        stakeholder_group=org.stakeholder_groups.get(name="Family"),
        answers=answers,
        entered_by=facilitator,
    )
    client.force_login(facilitator)
    assert "Read the 5 comments" in _evidence_block(client.get(url("results", round_)).content.decode(), round_)
    page = client.get(url("results_evidence", round_, first.pk)).content.decode()
    assert _comments_on_page(page) == ["five", "four", "one", "three", "two"]


def test_comments_wait_for_k_respondents(client, facilitator, org):
    round_ = cae_round(org)
    _with_evidence(round_, ["one", "two", "three", "four"])
    client.force_login(facilitator)
    waiting = "Comments are shown once the round has closed and at least 5 people have submitted"
    html = client.get(url("results", round_)).content.decode()
    assert "Figures appear once 5 people have submitted: 1 more response is needed." in html
    assert "Read the" not in html
    response = client.get(url("results_evidence", round_, key_action(round_).pk))
    assert response.status_code == 200
    assert waiting in response.content.decode() and _comments_on_page(response.content.decode()) == []

    _with_evidence(round_, ["five"], group="Educator")
    assert "Read the 5 comments" in client.get(url("results", round_)).content.decode()
    page = client.get(url("results_evidence", round_, key_action(round_).pk)).content.decode()
    assert waiting not in page and len(_comments_on_page(page)) == 5


# The evidence page -----------------------------------------------------------------


def test_comments_sorted_by_text_without_names_or_groups(client, facilitator, org):
    round_ = cae_round(org)
    texts = ["zebra crossing of ideas", "monthly meetings", "Agendas shared late", "agendas\nshared early", ""]
    people = [UserFactory(name="Zelda Quintessence"), *UserFactory.create_batch(4)]
    # Online answers all (paper forms beside a few online ones would hide the round: SPEC §5.1 rule 3).
    for person, text in zip(people, texts, strict=True):
        invitation = invite_to(round_, person)
        response = Response.objects.create(
            round=round_,
            invitation=invitation,
            stakeholder_group=invitation.stakeholder_group,
            submitted_at=timezone.now(),
        )
        Rating.objects.create(
            response=response,
            key_action=key_action(round_),
            level=key_action(round_).rubric.levels.get(position=1),
            evidence=text,
        )
    client.force_login(facilitator)
    first = key_action(round_)
    response = client.get(url("results_evidence", round_, first.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert_page_rules(html)
    assert _comments_on_page(html) == [
        "agendas\nshared early",
        "Agendas shared late",
        "monthly meetings",
        "zebra crossing of ideas",
    ]
    assert "agendas<br>shared early" in html
    assert first.title in html and first.rubric.title in html
    assert f'href="{url("results", round_)}#ka-{first.pk}"' in html
    assert "Zelda" not in html and invitation.stakeholder_group.name not in html
    assert 'aria-label="Pages of comments"' not in html  # one page: no pagination


def test_a_key_action_without_comments(client, facilitator, org):
    round_ = cae_round(org)
    _with_evidence(round_, ["one", "two", "three", "four", "five"])
    client.force_login(facilitator)
    html = client.get(url("results_evidence", round_, key_action(round_, 2).pk)).content.decode()
    assert "No comments on this key action." in html and _comments_on_page(html) == []


def test_comments_come_50_a_page(client, facilitator, org):
    round_ = cae_round(org)
    _with_evidence(round_, [f"comment {i:03d}" for i in range(120)])
    client.force_login(facilitator)
    address = url("results_evidence", round_, key_action(round_).pk)
    pages = [client.get(address, {"page": number}).content.decode() for number in (1, 2, 3)]
    assert [len(_comments_on_page(html)) for html in pages] == [50, 50, 20]
    assert _comments_on_page(pages[1])[0] == "comment 050"
    assert "Comments 51–100 of 120." in text_of(pages[1])
    nav = re.search(r'<nav aria-label="Pages of comments">(.*?)</nav>', pages[1], re.DOTALL).group(1)
    assert '<span class="page-link" aria-current="page">2</span>' in nav
    assert 'href="?page=1"' in nav and 'href="?page=3"' in nav
    assert_page_rules(pages[1])
    # As Paginator.get_page: past the end → the last page, not a number → the first.
    assert _comments_on_page(client.get(address, {"page": 99}).content.decode()) == _comments_on_page(pages[2])
    assert _comments_on_page(client.get(address, {"page": "x"}).content.decode()) == _comments_on_page(pages[0])


# Who may read them -----------------------------------------------------------------


@pytest.fixture
def commented(org):
    round_ = cae_round(org, share_results=True)
    _with_evidence(round_, ["secret one", "secret two", "three", "four", "five", "six"])
    return round_


@pytest.mark.parametrize("persona", ["lead", "stakeholder"])
def test_only_facilitators_read_comments(client, request, commented, persona):
    person = request.getfixturevalue(persona)
    invite_to(commented, person)
    client.force_login(person)
    assert "secret one" not in client.get(url("results", commented)).content.decode()
    assert client.get(url("results_evidence", commented, key_action(commented).pk)).status_code == 403


def test_an_invited_person_without_a_role_cannot_read_comments(client, commented):
    person = UserFactory()
    invite_to(commented, person)
    client.force_login(person)
    html = client.get(url("results", commented)).content.decode()
    assert "Evidence and comments" not in html
    assert client.get(url("results_evidence", commented, key_action(commented).pk)).status_code == 403


def test_another_organization_gets_404(client, outsider, commented):
    client.force_login(outsider)
    assert client.get(url("results_evidence", commented, key_action(commented).pk)).status_code == 404


def test_a_key_action_of_another_round_is_404(client, facilitator, commented):
    (rubric,) = [rubric for rubric in lbc_rubrics() if rubric.slug != CAE][:1]
    other = RoundFactory(team=commented.team, rubrics=[rubric])
    client.force_login(facilitator)
    foreign = other.rubrics.get().key_actions.first()
    assert client.get(url("results_evidence", commented, foreign.pk)).status_code == 404
    assert client.get(url("results_evidence", commented, 999999)).status_code == 404


def test_hidden_results_hide_the_comments(client, facilitator, org):
    round_ = cae_round(org, status=RoundStatus.OPEN)
    _with_evidence(round_, ["secret one", "two", "three", "four", "five"])
    client.force_login(facilitator)
    response = client.get(url("results_evidence", round_, key_action(round_).pk))
    assert response.status_code == 403 and "secret one" not in response.content.decode()
    # Revealed while open, only the team's figures are shown (SPEC §5.1): comments wait for the closing.
    Round.objects.filter(pk=round_.pk).update(results_revealed=True)
    assert "secret one" not in client.get(url("results_evidence", round_, key_action(round_).pk)).content.decode()
    Round.objects.filter(pk=round_.pk).update(status=RoundStatus.CLOSED)
    assert "secret one" in client.get(url("results_evidence", round_, key_action(round_).pk)).content.decode()


def test_anonymous_goes_to_the_login(client, commented):
    response = client.get(url("results_evidence", commented, key_action(commented).pk))
    assert response.status_code == 302 and "login" in response["Location"]


# Queries -------------------------------------------------------------------------


def _queries(client, address) -> int:
    client.get(address)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


@pytest.mark.parametrize("comments", [10, 200])
def test_the_evidence_page_costs_the_same_queries_whatever_the_comments(
    client, facilitator, org, comments, django_assert_num_queries
):
    round_ = cae_round(org)
    _with_evidence(round_, [f"comment {i}" for i in range(comments)])
    client.force_login(facilitator)
    address = url("results_evidence", round_, key_action(round_).pk)
    client.get(address)  # warm the session
    # 1 session, 2 user, 3 SAVEPOINT (ATOMIC_REQUESTS), 4 the round, 5 the person's roles,
    # 6 the key action with its rubric, 7 the round's release, 8 its comments counted, 9 one page of them;
    # base.html's menu: 10 the person's organizations (the current one among them), 11 the roles there;
    # 12 RELEASE SAVEPOINT
    with django_assert_num_queries(12):
        response = client.get(address)
    assert len(_comments_on_page(response.content.decode())) == min(comments, 50)


def test_the_results_page_reads_no_comment(client, facilitator, org):
    few, many = cae_round(org), cae_round(org)
    _with_evidence(few, [f"comment {i}" for i in range(10)])
    _with_evidence(many, [f"comment {i}" for i in range(200)])
    client.force_login(facilitator)
    with CaptureQueriesContext(connection) as making:
        client.get(url("results", many))
    # Making the release: the grouped rating counts that count the comments, and the copy of their texts the
    # release keeps; nothing else reads them (each response keeps the digest of its answers).
    reading_evidence = [query["sql"] for query in making if '"evidence"' in query["sql"]]
    digests = [sql for sql in reading_evidence if "convening_hash52" in sql or "md5(" in sql]
    copies = [sql for sql in reading_evidence if sql.startswith("INSERT INTO assessments_releasecomment")]
    counts = [sql for sql in reading_evidence if sql not in digests and sql not in copies]
    assert not digests and len(copies) == 1 and len(counts) == 1 and "COUNT(" in counts[0], reading_evidence
    assert _queries(client, url("results", few)) == _queries(client, url("results", many))
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        client.get(url("results", many))
    # Read again, the comments' numbers come with the release.
    assert not [query["sql"] for query in queries if "evidence" in query["sql"]]
