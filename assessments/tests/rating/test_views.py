"""The participant's rating page over HTTP: who may see it, autosave of one
key action (htmx), the no-JavaScript save of every answer, submitting, and
bad or hostile input, which changes nothing and says why."""

import re
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.invitations.selectors import invitation_link_path
from assessments.invitations.services import invitation_revoke
from assessments.models import Rating, Response, Round
from assessments.rounds.services import round_close, round_open
from assessments.tests.factories import RoundFactory, invite, rubric_with
from convening.tests.factories import TeamFactory, UserFactory
from rubrics.models import KeyAction

pytestmark = pytest.mark.django_db

SESSION_ENDED = "Open your personal link again"


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()  # the link's rate limit lives in the cache, which outlives a test
    yield
    cache.clear()


@pytest.fixture
def team(org):
    return TeamFactory(organization=org)


@pytest.fixture
def open_round(team):
    round_ = RoundFactory(team=team)
    round_open(round=round_)
    return round_


@pytest.fixture
def invitation(open_round):
    return invite(open_round)[0]


@pytest.fixture
def participant(client, invitation):
    """A browser that opened the invitee's personal link."""
    assert client.get(invitation_link_path(invitation)).status_code == 302
    return client


def key_actions(round_):
    return list(KeyAction.objects.filter(rubric__round_rubrics__round=round_).order_by("rubric__slug", "position"))


def level(key_action, position):
    return key_action.rubric.levels.get(position=position)


def rate_url(round_):
    return reverse("assessments:rate", args=[round_.pk])


def rate_one_url(round_, key_action):
    return reverse("assessments:rate_one", args=[round_.pk, key_action.pk])


def submit_url(round_):
    return reverse("assessments:submit", args=[round_.pk])


def answer(key_action, value, evidence="", *, invitation=None):
    """What the page's script posts for a level and the evidence, each based
    on the version stored now (of `invitation`'s answer, or of the only one)."""
    stored = Rating.objects.filter(key_action=key_action)
    if invitation is not None:
        stored = stored.filter(response__invitation=invitation)
    rating = stored.first()
    prefix = f"ka-{key_action.pk}"
    return {
        f"{prefix}-level": str(value),
        f"{prefix}-level-version": rating.level_version if rating else 0,
        f"{prefix}-evidence": evidence,
        f"{prefix}-evidence-version": rating.evidence_version if rating else 0,
    }


def answer_all(client, round_):
    for key_action in key_actions(round_):
        response = client.post(rate_one_url(round_, key_action), answer(key_action, level(key_action, 2).pk))
        assert response.status_code == 200


def ratings():
    return sorted(Rating.objects.values_list("key_action_id", "level_id", "not_sure", "evidence"))


# Who sees the page


def test_no_grant_and_no_invitation_means_404(client, open_round, invitation):
    assert client.get(rate_url(open_round)).status_code == 404
    client.force_login(UserFactory())
    assert client.get(rate_url(open_round)).status_code == 404


def test_a_signed_in_invitee_needs_no_link(client, open_round, invitation):
    client.force_login(invitation.user)
    assert client.get(rate_url(open_round)).status_code == 200


def test_another_persons_invitation_is_404(client, open_round, invitation):
    (other,) = invite(open_round)
    client.force_login(UserFactory())  # invited elsewhere, not here
    assert client.get(rate_url(open_round)).status_code == 404
    client.force_login(other.user)
    page = client.get(rate_url(open_round))
    assert page.status_code == 200
    assert page.context["invitation"] == other


def test_a_revoked_invitation_loses_the_page(participant, open_round, invitation):
    invitation_revoke(invitation=invitation)
    assert participant.get(rate_url(open_round)).status_code == 404


def test_every_key_action_is_a_fieldset_with_a_legend_and_one_radio_per_level(participant, open_round):
    html = participant.get(rate_url(open_round)).content.decode()
    for key_action in key_actions(open_round):
        fieldset = re.search(rf'<fieldset[^>]*id="ka-{key_action.pk}".*?</fieldset>', html, re.DOTALL).group(0)
        assert "<legend" in fieldset and key_action.title in fieldset
        radios = re.findall(rf'<input[^>]*type="radio"[^>]*name="ka-{key_action.pk}-level"[^>]*>', fieldset)
        assert len(radios) == 5  # four levels + "Not sure"
        for radio in radios:
            radio_id = re.search(r'id="([^"]+)"', radio).group(1)
            assert '<label class="form-check-label' in fieldset and f'for="{radio_id}"' in fieldset
        assert 'value="not_sure"' in fieldset
        assert f'<label class="form-label" for="ka-{key_action.pk}-evidence"' in fieldset
    assert "0 of 9 rated" in html
    assert "Save my answers" in html and "Submit my ratings" in html


def test_a_closed_round_is_read_only(participant, open_round):
    first = key_actions(open_round)[0]
    participant.post(rate_one_url(open_round, first), answer(first, level(first, 3).pk, "Kept"))
    round_close(round=open_round)
    before = ratings()

    html = participant.get(rate_url(open_round)).content.decode()
    assert "This round has closed" in html
    radios = re.findall(r'<input[^>]*type="radio"[^>]*>', html)
    assert radios and all(" disabled" in radio for radio in radios)
    assert all(" readonly" in area for area in re.findall(r"<textarea[^>]*>", html))
    assert "Save my answers" not in html and "Submit my ratings" not in html
    assert "hx-post" not in html

    response = participant.post(rate_url(open_round), answer(first, level(first, 1).pk, "Changed"))
    assert response.status_code == 409
    assert ratings() == before


# Autosave of one key action (htmx)


def test_autosave_saves_one_answer_and_reports_progress(participant, open_round):
    first = key_actions(open_round)[0]
    response = participant.post(rate_one_url(open_round, first), answer(first, level(first, 3).pk, " Monthly "))
    assert response.status_code == 200
    assert response.json() == {"saved": True, "level_version": 1, "evidence_version": 1, "rated": 1, "total": 9}
    assert ratings() == [(first.pk, level(first, 3).pk, False, "Monthly")]

    response = participant.post(rate_one_url(open_round, first), answer(first, "not_sure", "Monthly"))
    assert response.status_code == 200
    assert ratings() == [(first.pk, None, True, "Monthly")]


def test_autosave_of_evidence_alone_keeps_the_key_action_unrated(participant, open_round):
    first = key_actions(open_round)[0]
    data = {f"ka-{first.pk}-evidence": "Notes", f"ka-{first.pk}-evidence-version": 0}
    response = participant.post(rate_one_url(open_round, first), data)
    assert response.status_code == 200 and (response.json()["rated"], response.json()["total"]) == (0, 9)
    assert ratings() == [(first.pk, None, False, "Notes")]


def _foreign_level(round_, key_action):
    other = rubric_with(organization=round_.organization, key_actions=1)
    return key_action, answer(key_action, other.levels.first().pk)


def _other_rubrics_level(round_, key_action):
    # Both LbC rubrics have levels called "Informing"; only this rubric's count.
    sibling = next(ka for ka in key_actions(round_) if ka.rubric_id != key_action.rubric_id)
    return key_action, answer(key_action, level(sibling, 1).pk)


def _key_action_outside_the_round(round_, key_action):
    outside = rubric_with(organization=round_.organization, key_actions=1).key_actions.get()
    return outside, answer(outside, outside.rubric.levels.first().pk)


def _non_numeric_level(round_, key_action):
    return key_action, answer(key_action, "1 OR 1=1")


def _unicode_digit_level(round_, key_action):
    return key_action, answer(key_action, "²")  # str.isdigit() says yes, int() says no


def _huge_level(round_, key_action):
    return key_action, answer(key_action, "9" * 5000)  # beyond int()'s limit, and any id's


def _long_evidence(round_, key_action):
    return key_action, answer(key_action, level(key_action, 1).pk, "x" * 2001)


def _nul_in_evidence(round_, key_action):
    # PostgreSQL text cannot hold NUL: unchecked, this was a 500 there.
    return key_action, answer(key_action, level(key_action, 1).pk, "a\x00b")


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (_foreign_level, "That level does not belong to this key action"),
        (_other_rubrics_level, "That level does not belong to this key action"),
        (_key_action_outside_the_round, "That key action is not part of this round."),
        (_non_numeric_level, "Choose one of the levels shown."),
        (_unicode_digit_level, "Choose one of the levels shown."),
        (_huge_level, "Choose one of the levels shown."),
        (_long_evidence, "Evidence can be at most 2000 characters (you wrote 2001)."),
        (_nul_in_evidence, "Null characters are not allowed."),
    ],
    ids=[
        "foreign-level",
        "other-rubrics-level",
        "key-action-outside",
        "non-numeric-level",
        "unicode-digit-level",
        "huge-level",
        "long-evidence",
        "nul-in-evidence",
    ],
)
def test_bad_autosave_is_400_with_a_message_and_changes_nothing(participant, open_round, case, message):
    first = key_actions(open_round)[0]
    participant.post(rate_one_url(open_round, first), answer(first, level(first, 2).pk, "Before"))
    before = ratings()
    key_action, data = case(open_round, first)

    response = participant.post(rate_one_url(open_round, key_action), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert ratings() == before


def test_autosave_in_a_closed_round_is_409(participant, open_round):
    first = key_actions(open_round)[0]
    round_close(round=open_round)
    response = participant.post(rate_one_url(open_round, first), answer(first, level(first, 1).pk))
    assert response.status_code == 409
    assert "not open" in response.content.decode()
    assert ratings() == []


def test_autosave_after_revocation_is_refused(participant, open_round, invitation):
    first = key_actions(open_round)[0]
    invitation_revoke(invitation=invitation)
    response = participant.post(rate_one_url(open_round, first), answer(first, level(first, 1).pk))
    assert response.status_code in (403, 404)
    assert ratings() == []


def test_autosave_without_the_csrf_token_is_403(open_round, invitation):
    browser = Client(enforce_csrf_checks=True)
    browser.get(invitation_link_path(invitation))
    first = key_actions(open_round)[0]
    response = browser.post(rate_one_url(open_round, first), answer(first, level(first, 1).pk))
    assert response.status_code == 403
    assert ratings() == []


def test_autosave_with_the_csrf_token_works(open_round, invitation):
    browser = Client(enforce_csrf_checks=True)
    browser.get(invitation_link_path(invitation))
    page = browser.get(rate_url(open_round)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    first = key_actions(open_round)[0]
    response = browser.post(rate_one_url(open_round, first), answer(first, level(first, 1).pk), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


def test_an_ended_session_asks_for_the_link_again_and_keeps_what_was_saved(participant, open_round, invitation):
    first, second = key_actions(open_round)[:2]
    participant.post(rate_one_url(open_round, first), answer(first, level(first, 4).pk, "Saved before"))
    participant.session.flush()
    participant.cookies.clear()

    response = participant.post(rate_one_url(open_round, second), answer(second, level(second, 1).pk))

    assert response.status_code == 403
    assert SESSION_ENDED in response.content.decode()
    assert ratings() == [(first.pk, level(first, 4).pk, False, "Saved before")]
    participant.get(invitation_link_path(invitation))
    html = participant.get(rate_url(open_round)).content.decode()
    assert re.search(rf'value="{level(first, 4).pk}" checked', html)
    assert "Saved before" in html


# Saving every answer at once (no JavaScript)


def test_save_all_saves_every_posted_answer(participant, open_round):
    first, second = key_actions(open_round)[:2]
    data = answer(first, level(first, 1).pk, "One") | answer(second, "not_sure")
    response = participant.post(rate_url(open_round), data)
    assert response.status_code == 302 and response["Location"] == rate_url(open_round)
    assert ratings() == sorted([(first.pk, level(first, 1).pk, False, "One"), (second.pk, None, True, "")])


@pytest.mark.parametrize("value", ["²", "9" * 5000, "9" * 30])
def test_save_all_with_an_odd_level_is_400(participant, open_round, value):
    first = key_actions(open_round)[0]
    response = participant.post(rate_url(open_round), answer(first, value))
    assert response.status_code == 400
    assert "Choose one of the levels shown." in response.content.decode()
    assert ratings() == []


def test_save_all_with_one_bad_answer_saves_none_and_shows_what_was_posted(participant, open_round):
    first, second, third = key_actions(open_round)[:3]
    participant.post(rate_one_url(open_round, third), answer(third, level(third, 4).pk, "Old"))
    before = ratings()
    data = (
        answer(first, level(first, 2).pk, "Typed but refused")
        | answer(second, level(second, 1).pk, "x" * 2001)
        | answer(third, level(third, 1).pk, "New")
    )

    response = participant.post(rate_url(open_round), data)

    assert response.status_code == 400
    assert ratings() == before
    assert Response.objects.count() == 1
    html = response.content.decode()
    assert "nothing was changed" in html
    assert "Evidence can be at most 2000 characters" in html
    assert f'aria-describedby="error-{second.pk}"' in html
    assert "Typed but refused" in html
    assert re.search(rf'value="{level(first, 2).pk}" checked', html)
    assert re.search(rf'value="{level(third, 1).pk}" checked', html)  # the posted answer, not the saved one


# Submitting


def test_an_incomplete_submission_is_400_with_the_count(participant, open_round):
    first = key_actions(open_round)[0]
    participant.post(rate_one_url(open_round, first), answer(first, level(first, 1).pk))
    response = participant.post(submit_url(open_round))
    assert response.status_code == 400
    assert "8 still open" in response.content.decode()
    assert Response.objects.get().submitted_at is None


def test_a_complete_submission_is_recorded_once(participant, open_round):
    answer_all(participant, open_round)
    response = participant.post(submit_url(open_round))
    assert response.status_code == 302
    submitted_at = Response.objects.get().submitted_at
    assert submitted_at is not None
    assert "You submitted your ratings" in participant.get(rate_url(open_round)).content.decode()

    again = participant.post(submit_url(open_round))
    assert again.status_code == 409
    assert "already submitted" in again.content.decode()
    assert Response.objects.get().submitted_at == submitted_at


def test_submit_in_a_closed_round_is_409(participant, open_round):
    answer_all(participant, open_round)
    round_close(round=open_round)
    assert participant.post(submit_url(open_round)).status_code == 409
    assert Response.objects.get().submitted_at is None


# A fixed number of queries whatever the size of the round


def count_queries(request) -> list[str]:
    """The statements a request runs, without the savepoints around them
    (tests run inside a transaction, so ATOMIC_REQUESTS makes savepoints)."""
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def test_the_rating_page_takes_the_same_queries_for_4_or_40_key_actions(round_of):
    # 1 the session; 2 the invitation (with round, team, person and group);
    # 3 the round's rubrics; 4 their levels; 5 their key actions; 6 the
    # descriptors (with their level); 7 the response, which does not exist yet,
    # so no query for its ratings.
    counts = {}
    for size in (4, 40):
        round_, client = round_of(size)
        counts[size] = count_queries(lambda: client.get(rate_url(round_)))  # noqa: B023 — called at once
    assert len(counts[4]) == len(counts[40]) == 7, counts[40]


def test_the_rating_page_with_answers_takes_the_same_queries_for_4_or_40_key_actions(round_of):
    # The same seven, and 8 the response's ratings.
    counts = {}
    for size in (4, 40):
        round_, client = round_of(size)
        answer_all(client, round_)
        counts[size] = count_queries(lambda: client.get(rate_url(round_)))  # noqa: B023 — called at once
    assert len(counts[4]) == len(counts[40]) == 8, counts[40]


def test_autosave_takes_the_same_queries_for_4_or_40_key_actions(round_of):
    # 1 the session; 2 the guarded upsert (invitation, round, key action and
    # level checked inside it), which also counts the rated and total key
    # actions for the progress bar. No BEGIN or COMMIT: it is atomic by itself.
    counts = {}
    for size in (4, 40):
        round_, client = round_of(size)
        first = key_actions(round_)[0]
        client.post(rate_one_url(round_, first), answer(first, level(first, 1).pk))  # the response exists now
        data = answer(first, level(first, 2).pk, "Changed")
        counts[size] = count_queries(lambda: client.post(rate_one_url(round_, first), data))  # noqa: B023
    assert len(counts[4]) == len(counts[40]) == 2, counts[40]


def test_the_rating_page_shows_dates_in_the_organizations_time_zone(client, open_round):
    open_round.organization.time_zone = "America/Chicago"
    open_round.organization.save()
    Round.objects.filter(pk=open_round.pk).update(closes_at=datetime(2027, 1, 15, 18, 0, tzinfo=UTC))
    (invitation,) = invite(open_round)
    client.force_login(invitation.user)
    page = client.get(reverse("assessments:rate", args=[open_round.pk])).content.decode()
    assert "Jan. 15, 2027, noon" in page  # 18:00 UTC is noon in Chicago in winter
    rounds = client.get(reverse("assessments:my_rounds")).content.decode()
    assert "Jan. 15, 2027, noon" in rounds
