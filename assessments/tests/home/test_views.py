"""The home page: who and where the person is, the teams for those who read
them, and the person's open rounds with their progress and a button to the
rating page, in a fixed number of queries."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from assessments.invitations.services import invitation_revoke
from assessments.models import Round
from assessments.rating.services import rating_save, response_submit
from assessments.rounds.services import round_close, round_open
from assessments.tests.factories import RoundFactory, answer_all, invite
from convening.tests.factories import TeamFactory
from rubrics.models import KeyAction

pytestmark = pytest.mark.django_db

NONE_OPEN = "You have no open assessment rounds right now."


def _text(response):
    return " ".join(response.content.decode().split())


def _opened(organization, **fields):
    """An open round; `invite` puts people on its team, so each round gets a team of its own."""
    round_ = RoundFactory(team=TeamFactory(organization=organization), **fields)
    round_open(round=round_)
    return round_


def _key_actions(round_):
    return list(KeyAction.objects.filter(rubric__round_rubrics__round=round_).order_by("rubric__slug", "position"))


def _rate(invitation, count):
    for key_action in _key_actions(invitation.round)[:count]:
        rating_save(
            invitation=invitation,
            key_action_id=key_action.pk,
            level_id=key_action.rubric.levels.get(position=1).pk,
            not_sure=False,
            evidence="",
        )


def _cards(page):
    """Each round's card, as text."""
    return [" ".join(card.split()) for card in re.findall(r'<li class="card.*?</li>', page, flags=re.S)]


@pytest.fixture
def as_stakeholder(client, stakeholder):
    client.force_login(stakeholder)
    return client


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_stakeholder_sees_each_open_round_with_its_progress_and_the_right_button(as_stakeholder, stakeholder, org):
    not_started = _opened(org, name="Spring")
    started = _opened(org, name="Summer")
    submitted = _opened(org, name="Autumn")
    (_,) = invite(not_started, stakeholder)
    (in_progress,) = invite(started, stakeholder)
    (done,) = invite(submitted, stakeholder)
    _rate(in_progress, 3)
    answer_all(done)
    response_submit(invitation=done)
    total = len(_key_actions(started))

    page = as_stakeholder.get(reverse("home")).content.decode()

    cards = {name: card for card in _cards(page) for name in ("Spring", "Summer", "Autumn") if f"— {name}</h3>" in card}
    assert len(cards) == len(_cards(page)) == 3
    assert f"{not_started.team.name} — Spring" in cards["Spring"]
    assert f"0 of {total} key actions rated" in cards["Spring"]
    assert "Not submitted yet" in cards["Spring"]
    assert ">Start<" in cards["Spring"]
    assert f"3 of {total} key actions rated" in cards["Summer"]
    assert ">Continue<" in cards["Summer"]
    assert f"{total} of {total} key actions rated" in cards["Autumn"]
    assert "Submitted" in cards["Autumn"] and "Not submitted" not in cards["Autumn"]
    assert ">Review<" in cards["Autumn"]
    # A progress bar with its text beside it, and the button goes to the rating page.
    assert f'max="{total}" value="3"' in cards["Summer"]
    assert f'href="{reverse("assessments:rate", args=[started.pk])}"' in cards["Summer"]
    assert NONE_OPEN not in page


def test_the_closing_date_is_in_the_rounds_time_zone(as_stakeholder, stakeholder, org):
    org.time_zone = "America/Chicago"
    org.save()
    round_ = _opened(org)
    Round.objects.filter(pk=round_.pk).update(closes_at=datetime(2027, 1, 15, 18, 0, tzinfo=UTC))
    invite(round_, stakeholder)
    assert "Open until Jan. 15, 2027, noon" in _text(as_stakeholder.get(reverse("home")))


def test_revoked_invitations_and_closed_or_draft_rounds_are_not_listed(as_stakeholder, stakeholder, org):
    revoked = _opened(org, name="Revoked round")
    closed = _opened(org, name="Closed round")
    draft = RoundFactory(team=TeamFactory(organization=org), name="Draft round")
    (invitation,) = invite(revoked, stakeholder)
    invitation_revoke(invitation=invitation)
    invite(closed, stakeholder)
    round_close(round=closed)
    invite(draft, stakeholder)

    page = _text(as_stakeholder.get(reverse("home")))

    assert "Revoked round" not in page and "Closed round" not in page and "Draft round" not in page
    assert NONE_OPEN in page


def test_another_persons_invitations_are_not_listed(as_stakeholder, org):
    invite(_opened(org, name="Another round"))
    page = _text(as_stakeholder.get(reverse("home")))
    assert "Another round" not in page
    assert NONE_OPEN in page


def test_a_stakeholder_without_open_rounds_is_told_so(as_stakeholder, team):
    page = _text(as_stakeholder.get(reverse("home")))
    assert "Your assessment rounds" in page
    assert (
        "You have no open assessment rounds right now. When a facilitator opens one for your team, "
        "you will get an e-mail with your personal link." in page
    )
    # Teams are for those who read them.
    assert team.name not in page
    assert reverse("convening:team_list") not in page


def test_the_facilitator_still_sees_the_teams_and_links(client, facilitator, team):
    client.force_login(facilitator)
    page = _text(client.get(reverse("home")))
    assert "You are working in Demo State Agency." in page
    assert "Your role: Facilitator." in page
    assert reverse("convening:team_detail", args=[team.pk]) in page
    for name in ("convening:team_list", "convening:team_create", "convening:stakeholder_groups"):
        assert reverse(name) in page
    # Not convened to rate, not invited: no rounds section.
    assert "Your assessment rounds" not in page


def test_invitations_decide_who_rates_whatever_the_role(client, lead, org, team):
    round_ = _opened(org, name="Lead round")
    invite(round_, lead)
    client.force_login(lead)
    page = _text(client.get(reverse("home")))
    assert f"{round_.team.name} — Lead round" in page
    assert reverse("assessments:rate", args=[round_.pk]) in page
    assert reverse("convening:team_detail", args=[team.pk]) in page  # and the lead's teams


def test_a_round_of_another_organization_names_its_organization(as_stakeholder, stakeholder, org, other_org):
    invite(_opened(other_org, name="Neighbour round"), stakeholder)
    invite(_opened(org, name="Own round"), stakeholder)
    cards = _cards(as_stakeholder.get(reverse("home")).content.decode())
    (neighbour,) = [card for card in cards if "Neighbour round" in card]
    (own,) = [card for card in cards if "Own round" in card]
    assert "Other State Agency" in neighbour
    assert "Demo State Agency" not in own


# Queries: 1 the session; 2 the user; 3 SAVEPOINT; 4 the person's organizations
# (the header's switcher, the current one among them); 5 the roles there; then
# the page's own; last RELEASE SAVEPOINT.


@pytest.mark.parametrize("rounds", [1, 5])
def test_the_stakeholders_home_takes_the_same_queries_for_1_or_5_rounds(
    client, stakeholder, org, other_org, rounds, django_assert_num_queries
):
    for n in range(rounds):
        # Of two organizations, at every stage: started, not started, submitted.
        round_ = _opened(org if n % 2 else other_org)
        (invitation,) = invite(round_, stakeholder)
        if n % 3 == 1:
            _rate(invitation, 2)
        elif n % 3 == 2:
            answer_all(invitation)
            response_submit(invitation=invitation)
    client.force_login(stakeholder)
    # … 6 the open invitations with their rounds, teams, organizations,
    # responses and progress, RELEASE.
    with django_assert_num_queries(7):
        page = client.get(reverse("home")).content.decode()
    assert len(_cards(page)) == rounds
