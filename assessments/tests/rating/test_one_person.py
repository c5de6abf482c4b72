"""Every answer is stored as given, for that person only (issue 10's
findings 1, 4 and 5, and the no-JavaScript form that writes only what
changed), over HTTP as the page's script and form post."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assessments.invitations.selectors import invitation_link_path
from assessments.invitations.services import invitation_resend, invitation_revoke
from assessments.models import Rating, Response
from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory, invite
from assessments.tests.rating.test_views import (
    answer,
    key_actions,
    level,
    rate_one_url,
    rate_url,
    submit_url,
)
from convening.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_round(org):
    round_ = RoundFactory(team=TeamFactory(organization=org))
    round_open(round=round_)
    return round_


@pytest.fixture
def ana_and_ben(open_round):
    (ana,) = invite(open_round)
    (ben,) = invite(open_round)
    ana.user.name, ben.user.name = "Ana R.", "Ben S."
    ana.user.save()
    ben.user.save()
    return ana, ben


def answers_of(invitation) -> dict[int, tuple]:
    return {
        r.key_action_id: (r.level_id, r.not_sure, r.evidence)
        for r in Rating.objects.filter(response__invitation=invitation)
    }


def page_fields(html: str, key_action) -> dict[str, str]:
    """The hidden fields the page holds for one key action (what the form posts back)."""
    fields = {}
    for part in ("level-version", "level-initial", "evidence-version", "evidence-initial"):
        name = f"ka-{key_action.pk}-{part}"
        match = re.search(rf'name="{name}" value="([^"]*)"', html)
        assert match is not None, name
        fields[name] = match.group(1)
    return fields


def test_two_links_in_one_browser_rate_as_the_second_person_only(client, open_round, ana_and_ben):
    """Finding 1: A rates and submits; B opens his link in the same browser."""
    ana, ben = ana_and_ben
    first, second = key_actions(open_round)[:2]
    client.get(invitation_link_path(ana))
    for key_action in key_actions(open_round):
        assert client.post(rate_one_url(open_round, key_action), answer(key_action, level(key_action, 2).pk, "Ana's"))
    assert client.post(submit_url(open_round), {"invitation": ana.pk}).status_code == 302
    before = answers_of(ana)

    client.get(invitation_link_path(ben))
    page = client.get(rate_url(open_round)).content.decode()
    assert "You are rating as <strong>Ben S.</strong>" in page
    assert "Ana&#x27;s" not in page and "Ana's" not in page  # none of her evidence
    saved = client.post(
        rate_one_url(open_round, first), {**answer(first, level(first, 4).pk, invitation=ben), "invitation": ben.pk}
    )
    assert saved.status_code == 200
    assert answers_of(ana) == before
    assert answers_of(ben) == {first.pk: (level(first, 4).pk, False, "")}

    # A page of Ana's left open in that browser writes nothing any more.
    stale = client.post(
        rate_one_url(open_round, second), {**answer(second, level(second, 1).pk, invitation=ana), "invitation": ana.pk}
    )
    assert stale.status_code == 409
    assert answers_of(ana) == before and second.pk not in answers_of(ben)


def test_a_signed_in_person_with_someone_elses_link_rates_as_that_invitee_only(client, open_round, ana_and_ben):
    ana, ben = ana_and_ben
    first = key_actions(open_round)[0]
    client.force_login(ana.user)
    client.post(rate_one_url(open_round, first), {**answer(first, level(first, 1).pk), "invitation": ana.pk})
    assert answers_of(ana) == {first.pk: (level(first, 1).pk, False, "")}

    client.get(invitation_link_path(ben))  # at a kiosk signed in as Ana
    assert "You are rating as <strong>Ben S.</strong>" in client.get(rate_url(open_round)).content.decode()
    client.post(
        rate_one_url(open_round, first), {**answer(first, level(first, 3).pk, invitation=ben), "invitation": ben.pk}
    )
    assert answers_of(ana) == {first.pk: (level(first, 1).pk, False, "")}
    assert answers_of(ben) == {first.pk: (level(first, 3).pk, False, "")}


def test_not_you_ends_the_grant(client, open_round, ana_and_ben):
    ana, _ben = ana_and_ben
    client.get(invitation_link_path(ana))
    left = client.post(f"/rounds/{open_round.pk}/rate/leave/")
    assert left.status_code == 200
    assert "open your personal link" in left.content.decode()
    assert client.get(rate_url(open_round)).status_code == 404
    # The rating page's offline copy and waiting changes go with the grant.
    assert left["Clear-Site-Data"] == '"cache", "storage"'


def test_signing_out_clears_what_the_browser_kept(client, stakeholder):
    client.force_login(stakeholder)
    assert client.post("/accounts/logout/")["Clear-Site-Data"] == '"cache", "storage"'


def test_the_service_worker_is_served_from_the_root_and_checked_on_every_visit(client):
    """Its scope may cover a rating page only when its address is above it."""
    answer = client.get("/rating-sw.js")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/javascript")
    assert answer["Cache-Control"] == "no-cache"
    assert "convening-rating-v1" in answer.content.decode()


@pytest.mark.parametrize("end", ["new_link", "revoked"])
def test_a_new_link_or_a_revocation_ends_sessions_opened_with_the_old_link(client, open_round, ana_and_ben, end):
    """Finding 5."""
    ana, _ben = ana_and_ben
    first = key_actions(open_round)[0]
    client.get(invitation_link_path(ana))
    assert client.get(rate_url(open_round)).status_code == 200
    if end == "new_link":
        invitation_resend(invitation=ana, new_link=True)
    else:
        invitation_revoke(invitation=ana)
    saved = client.post(rate_one_url(open_round, first), {**answer(first, level(first, 1).pk), "invitation": ana.pk})
    assert saved.status_code == 403 and saved.json()["session_ended"]
    assert client.get(rate_url(open_round)).status_code == 404
    assert client.post(submit_url(open_round), {"invitation": ana.pk}).status_code == 404
    assert not Rating.objects.exists()
    if end == "new_link":  # the new link works
        ana.refresh_from_db()
        fresh = Client()
        fresh.get(invitation_link_path(ana))
        assert fresh.get(rate_url(open_round)).status_code == 200


def test_a_stale_tab_changing_the_level_keeps_the_evidence_saved_elsewhere(open_round, ana_and_ben):
    """Finding 4: the phone was loaded before the laptop saved evidence."""
    ana, _ben = ana_and_ben
    first = key_actions(open_round)[0]
    laptop, phone = Client(), Client()
    for browser in (laptop, phone):
        browser.get(invitation_link_path(ana))
    phone_page = phone.get(rate_url(open_round)).content.decode()
    laptop.post(rate_one_url(open_round, first), answer(first, level(first, 2).pk, "Minutes of May"))
    fields = page_fields(phone_page, first)

    changed = phone.post(
        rate_one_url(open_round, first),
        {
            f"ka-{first.pk}-level": level(first, 3).pk,
            f"ka-{first.pk}-level-version": fields[f"ka-{first.pk}-level-version"],
        },
    )

    # The laptop's level write moved the version on: the phone's level is refused, not written over it…
    assert changed.status_code == 409
    body = changed.json()
    assert body["conflict"] and body["stored"]["level"] == str(level(first, 2).pk)
    assert body["stored"]["evidence"] == "Minutes of May"
    assert answers_of(ana) == {first.pk: (level(first, 2).pk, False, "Minutes of May")}
    # …and once based on the stored level, it is written, and the evidence stays.
    again = phone.post(
        rate_one_url(open_round, first),
        {f"ka-{first.pk}-level": level(first, 3).pk, f"ka-{first.pk}-level-version": body["stored"]["level_version"]},
    )
    assert again.status_code == 200
    assert answers_of(ana) == {first.pk: (level(first, 3).pk, False, "Minutes of May")}


def form_data(html: str, open_round, invitation, answers: dict) -> dict:
    """The no-JavaScript form as the page `html` would post it, with `answers`
    ({key action: (level value, evidence)}) as shown on it."""
    data = {"invitation": invitation.pk}
    for key_action in key_actions(open_round):
        fields = page_fields(html, key_action)
        data |= fields
        level_value, evidence = answers.get(
            key_action, (fields[f"ka-{key_action.pk}-level-initial"], fields[f"ka-{key_action.pk}-evidence-initial"])
        )
        if level_value:
            data[f"ka-{key_action.pk}-level"] = level_value
        data[f"ka-{key_action.pk}-evidence"] = evidence
    return data


def test_the_no_javascript_form_writes_only_what_changed_since_it_was_loaded(open_round, ana_and_ben):
    """Today a stale tab's "Save my answers" overwrote everything saved since."""
    ana, _ben = ana_and_ben
    first, second = key_actions(open_round)[:2]
    laptop, old_tab = Client(), Client()
    for browser in (laptop, old_tab):
        browser.get(invitation_link_path(ana))
    old_page = old_tab.get(rate_url(open_round)).content.decode()
    laptop.post(rate_one_url(open_round, first), answer(first, level(first, 4).pk, "Saved on the laptop"))

    # The old tab changes only the second key action and presses Save.
    data = form_data(old_page, open_round, ana, {second: (str(level(second, 1).pk), "From the old tab")})
    assert old_tab.post(rate_url(open_round), data).status_code == 302
    assert answers_of(ana) == {
        first.pk: (level(first, 4).pk, False, "Saved on the laptop"),
        second.pk: (level(second, 1).pk, False, "From the old tab"),
    }

    # Had it changed the first too, nothing would be written, and the page says why.
    data = form_data(old_page, open_round, ana, {first: (str(level(first, 1).pk), "Old tab's words")})
    refused = old_tab.post(rate_url(open_round), data)
    assert refused.status_code == 400
    assert "changed in another window or on another device" in refused.content.decode()
    assert answers_of(ana)[first.pk] == (level(first, 4).pk, False, "Saved on the laptop")


def test_the_no_javascript_form_refuses_all_when_one_answer_is_bad(open_round, ana_and_ben, client):
    ana, _ben = ana_and_ben
    first, second = key_actions(open_round)[:2]
    client.get(invitation_link_path(ana))
    page = client.get(rate_url(open_round)).content.decode()
    data = form_data(page, open_round, ana, {first: (str(level(first, 2).pk), "Fine"), second: ("banana", "")})
    assert client.post(rate_url(open_round), data).status_code == 400
    assert not Rating.objects.exists() and not Response.objects.filter(ratings__isnull=False).exists()


def test_the_no_javascript_form_saves_nine_answers_in_a_few_queries(round_of):
    """57 queries (40 of them savepoints) before; now a fixed few plus one
    guarded statement per changed answer."""
    round_, client = round_of(9)
    page = client.get(rate_url(round_)).content.decode()
    invitation = round_.invitations.get()
    data = form_data(page, round_, invitation, {ka: (str(level(ka, 2).pk), "") for ka in key_actions(round_)})
    with CaptureQueriesContext(connection) as queries:
        response = client.post(rate_url(round_), data)
    assert response.status_code == 302
    with_savepoints = queries.captured_queries
    statements = [q for q in with_savepoints if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # 8 reads (the session, the invitation, the round's key actions twice,
    # the levels named, the response, its ratings…) and nine guarded upserts.
    assert len(statements) == 17, [q["sql"][:80] for q in statements]
    assert len(with_savepoints) == 23  # the savepoints of the request's and the service's transactions
    assert Rating.objects.filter(level__position=2).count() == 9
