"""The facilitator's and the lead's home pages: what each section says and
links to, who sees which (a stakeholder only their own rounds, nobody another
organization's), and the same number of queries for 2 or 20 teams."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import ActionPlan, ActionStep, Invitation, Response, Round, RoundStatus, StepStatus
from assessments.tests.factories import RoundFactory, invite
from assessments.tests.history_data import BSD, CAE, agree, closed_round, lbc, respond
from convening.models import Role
from convening.tests.factories import MembershipFactory, StakeholderGroupFactory, TeamFactory

pytestmark = pytest.mark.django_db

URL = reverse("home")
FACILITATOR_HEADINGS = (
    "Open rounds",
    "Drafts not yet opened",
    "Closed rounds without consensus",
    "Action steps overdue",
)
LEAD_HEADING = "Your teams’ latest rounds"
NOTHING_WAITS = "Nothing waits for you"


def _text(response):
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def _section(page, heading):
    """The section under `heading`, as text."""
    match = re.search(rf"<h2[^>]*>{re.escape(heading)}</h2>(.*?)</section>", page)
    assert match, f"no section {heading!r}"
    return match.group(1)


def _local_noon(organization, days):
    """Noon where the organization works, `days` days from today there."""
    zone = ZoneInfo(organization.time_zone)
    today = timezone.localtime(timezone.now(), zone).date()
    return datetime.combine(today + timedelta(days=days), time(12), tzinfo=zone)


def _open(team, *, closes_at, name=None):
    round_ = RoundFactory(
        team=team, opens_at=timezone.now() - timedelta(days=3), closes_at=closes_at, **({"name": name} if name else {})
    )
    Round.objects.filter(pk=round_.pk).update(status=RoundStatus.OPEN, opened_at=round_.opens_at)
    round_.refresh_from_db()
    return round_


def _draft(team, *, opens_at, name=None):
    return RoundFactory(
        team=team, opens_at=opens_at, closes_at=opens_at + timedelta(days=14), **({"name": name} if name else {})
    )


def _submitted(invitations):
    """Marks the invitations' responses submitted (what the counts read)."""
    Response.objects.bulk_create(
        Response(
            round_id=invitation.round_id,
            invitation=invitation,
            stakeholder_group_id=invitation.stakeholder_group_id,
            submitted_at=timezone.now(),
        )
        for invitation in invitations
    )


def _step(round_, *, days_ago, status=StepStatus.OPEN, description="Hold a listening session", owner=""):
    rubric = round_.rubrics.get(slug=CAE)
    plan, _created = ActionPlan.objects.get_or_create(
        round=round_,
        key_action=rubric.key_actions.get(position=2),
        defaults={"target_level": rubric.levels.get(position=3)},
    )
    due = timezone.localdate() - timedelta(days=days_ago)
    return ActionStep.objects.create(plan=plan, description=description, owner=owner, due_date=due, status=status)


@pytest.fixture
def as_facilitator(client, facilitator):
    client.force_login(facilitator)
    return client


@pytest.fixture
def as_lead(client, lead):
    client.force_login(lead)
    return client


@pytest.fixture
def busy_org(org):
    """An organization with something in every facilitator's section."""
    team = TeamFactory(organization=org, name="SSIP team")
    soon = _open(team, closes_at=_local_noon(org, 1), name="Winter")
    invitations = invite(soon) + invite(soon) + invite(soon)
    _submitted(invitations[:1])
    Invitation.objects.filter(pk=invitations[2].pk).update(revoked_at=timezone.now())
    _open(TeamFactory(organization=org, name="Data team"), closes_at=_local_noon(org, 12), name="Data check")
    _draft(team, opens_at=_local_noon(org, 20), name="Spring")
    unagreed = closed_round(team, closed_at=timezone.now() - timedelta(days=10), name="Fall")
    agreed = closed_round(team, closed_at=timezone.now() - timedelta(days=100), name="Summer")
    agree(agreed, 1, 2)
    _step(agreed, days_ago=5, status=StepStatus.IN_PROGRESS, owner="Grace Chen")
    _step(agreed, days_ago=5, status=StepStatus.DONE, description="Send the minutes")
    _step(agreed, days_ago=0, description="Due today")
    return {"soon": soon, "unagreed": unagreed, "agreed": agreed}


def test_the_facilitator_sees_what_waits_with_links(as_facilitator, busy_org, org):
    page = " ".join(as_facilitator.get(URL).content.decode().split())

    open_rounds = _section(page, "Open rounds")
    # Closing soonest first; 1 of the 2 invitations not revoked has been submitted.
    assert open_rounds.index("SSIP team — Winter") < open_rounds.index("Data team — Data check")
    assert "1 of 2 people invited have submitted" in open_rounds
    assert 'max="2" value="1"' in open_rounds
    assert "1 day left" in open_rounds and "12 days left" in open_rounds
    assert f'href="{reverse("assessments:round_detail", args=[busy_org["soon"].pk])}"' in open_rounds

    drafts = _section(page, "Drafts not yet opened")
    assert "SSIP team — Spring" in drafts
    assert f"Planned to open {_local_noon(org, 20).strftime('%b')}" in drafts

    no_consensus = _section(page, "Closed rounds without consensus")
    assert "SSIP team — Fall" in no_consensus and "Summer" not in no_consensus
    assert f'href="{reverse("assessments:results", args=[busy_org["unagreed"].pk])}"' in no_consensus

    overdue = _section(page, "Action steps overdue")
    assert "Hold a listening session" in overdue
    assert "Send the minutes" not in overdue and "Due today" not in overdue
    key_action = busy_org["agreed"].rubrics.get(slug=CAE).key_actions.get(position=2)
    assert f"SSIP team — Summer · {key_action.title}" in overdue
    assert "Owner: Grace Chen" in overdue and "In progress" in overdue
    assert f'href="{reverse("assessments:plan", args=[busy_org["agreed"].pk])}"' in overdue

    assert NOTHING_WAITS not in page and LEAD_HEADING not in page
    # The teams and their links stay.
    assert reverse("convening:team_create") in page


def test_a_round_closing_today_says_so(as_facilitator, org):
    zone = ZoneInfo(org.time_zone)
    end_of_today = datetime.combine(timezone.localtime(timezone.now(), zone).date(), time.max, tzinfo=zone)
    _open(TeamFactory(organization=org), closes_at=end_of_today)
    assert "Closes today" in _section(_text(as_facilitator.get(URL)), "Open rounds")


def test_dates_are_shown_where_the_organization_works(as_facilitator, org):
    org.time_zone = "Pacific/Auckland"
    org.save()
    closes_at = _local_noon(org, 5)
    _open(TeamFactory(organization=org), closes_at=closes_at)
    day = closes_at.day
    assert f"{day}, {closes_at.year}, noon" in _section(_text(as_facilitator.get(URL)), "Open rounds")


def test_a_facilitator_with_nothing_waiting_is_told_so(as_facilitator, org, team):
    agreed = closed_round(team, closed_at=timezone.now() - timedelta(days=10))
    agree(agreed, 1, 2)
    page = _text(as_facilitator.get(URL))
    assert NOTHING_WAITS in page
    for heading in FACILITATOR_HEADINGS:
        assert f">{heading}</h2>" not in page


def test_another_organizations_rounds_never_appear(as_facilitator, busy_org, other_org, facilitator):
    # The facilitator is a lead over there, and works here.
    MembershipFactory(organization=other_org, user=facilitator, role=Role.LEAD)
    neighbour = TeamFactory(organization=other_org, name="Neighbour team")
    _open(neighbour, closes_at=_local_noon(other_org, 2), name="Neighbour open")
    _draft(neighbour, opens_at=_local_noon(other_org, 9), name="Neighbour draft")
    neighbour_closed = closed_round(neighbour, closed_at=timezone.now() - timedelta(days=3), name="Neighbour closed")
    _step(neighbour_closed, days_ago=4, description="Neighbour step")

    page = _text(as_facilitator.get(URL))

    assert "Neighbour" not in page
    assert "SSIP team — Winter" in page


def test_a_lead_sees_no_team_of_another_organization(as_lead, lead_teams, other_org):
    neighbour = TeamFactory(organization=other_org, name="Neighbour team")
    StakeholderGroupFactory(organization=other_org, name="Family")
    closed = closed_round(neighbour, closed_at=timezone.now() - timedelta(days=3), name="Neighbour closed")
    respond(closed, "Family", [{1: 3}], times=5)
    page = _text(as_lead.get(URL))
    assert "Neighbour" not in page
    assert list(_cards(_section(page, LEAD_HEADING))) == ["Alpha", "Beta", "Delta", "Gamma"]


def test_a_stakeholder_sees_only_their_own_rounds(client, stakeholder, busy_org):
    invite(busy_org["soon"], stakeholder)
    client.force_login(stakeholder)
    page = _text(client.get(URL))
    assert "Your assessment rounds" in page and "SSIP team — Winter" in page
    for heading in (*FACILITATOR_HEADINGS, LEAD_HEADING, NOTHING_WAITS):
        assert f">{heading}</h2>" not in page
    assert "Data check" not in page and "Spring" not in page and "Fall" not in page
    assert "Hold a listening session" not in page


def test_a_lead_sees_the_teams_latest_rounds_not_the_facilitators_lists(as_lead, busy_org):
    page = _text(as_lead.get(URL))
    assert LEAD_HEADING in page
    for heading in FACILITATOR_HEADINGS:
        assert f">{heading}</h2>" not in page
    assert "Hold a listening session" not in page and "Spring" not in page
    assert reverse("assessments:overview") in page


@pytest.fixture
def lead_teams(org):
    """Alpha moved: key action 1 up, 2 down, 3 the same. Beta is rating now.
    Gamma has one round, with too few respondents for figures. Delta has none."""
    alpha = TeamFactory(organization=org, name="Alpha")
    before = closed_round(alpha, closed_at=timezone.now() - timedelta(days=200), name="Alpha spring")
    respond(before, "Family", [{1: 1, 2: 3, 3: 2}], times=5)
    after = closed_round(alpha, closed_at=timezone.now() - timedelta(days=10), name="Alpha fall")
    respond(after, "Family", [{1: 2, 2: 2, 3: 2}], times=5)
    beta = TeamFactory(organization=org, name="Beta")
    beta_before = closed_round(beta, closed_at=timezone.now() - timedelta(days=90), name="Beta summer")
    respond(beta_before, "Family", [{1: 1}], times=5)
    rating = _open(beta, closes_at=_local_noon(org, 6), name="Beta winter")
    _submitted(invite(rating))
    invite(rating)
    respond(rating, "Family", [{1: 4}], times=5)
    gamma = TeamFactory(organization=org, name="Gamma")
    few = closed_round(gamma, closed_at=timezone.now() - timedelta(days=10), name="Gamma fall")
    respond(few, "Family", [{1: 4}], times=2)
    TeamFactory(organization=org, name="Delta")
    return {"alpha": alpha, "after": after, "rating": rating, "gamma": gamma}


def _cards(section):
    """Each team's card, by the team's name."""
    cards = section.split('<li class="list-group-item">')[1:]
    return {re.search(r"<h3[^>]*><a [^>]*>([^<]+)</a>", card).group(1): card for card in cards}


def test_the_lead_sees_how_each_teams_latest_round_moved(as_lead, lead_teams):
    page = _text(as_lead.get(URL))
    cards = _cards(_section(page, LEAD_HEADING))

    assert list(cards) == ["Alpha", "Beta", "Delta", "Gamma"]
    alpha = cards["Alpha"]
    assert "Alpha fall" in alpha and "Since Alpha spring, by median:" in alpha
    assert "1 key action moved up" in alpha and "1 key action moved down" in alpha
    assert "1 key action stayed the same" in alpha
    assert f'href="{reverse("assessments:results", args=[lead_teams["after"].pk])}"' in alpha
    assert f'href="{reverse("assessments:team_history", args=[lead_teams["alpha"].pk])}"' in alpha

    beta = cards["Beta"]
    assert "Beta winter" in beta and "Open until" in beta
    assert "1 of 2 people invited have submitted" in beta
    assert "Results appear when the round closes." in beta and "moved" not in beta
    assert reverse("assessments:results", args=[lead_teams["rating"].pk]) not in beta

    assert "too few people have submitted" in cards["Gamma"]
    assert "No round has opened yet." in cards["Delta"]
    assert f'href="{reverse("assessments:overview")}"' in page


# Queries, before the page's own: 1 the session; 2 the user; 3 SAVEPOINT;
# 4 the person's organizations (the header's switcher, the current one among
# them); 5 the roles there; 6 the person's open invitations. Last, RELEASE SAVEPOINT.


def _team_with_everything(organization, *, rating_now=True):
    """A team with a round of each kind a home page lists (an open one unless
    not `rating_now`), and its steps."""
    team = TeamFactory(organization=organization)
    if rating_now:
        open_round = _open(team, closes_at=_local_noon(organization, 4))
        _submitted(invite(open_round))
    _draft(team, opens_at=_local_noon(organization, 30))
    both = [lbc(CAE), lbc(BSD)]
    for days in (300, 200, 100):
        round_ = closed_round(team, closed_at=timezone.now() - timedelta(days=days), rubrics=both)
        respond(round_, "Family", [{1: days // 100, 2: 3}], times=5)
        respond(round_, "Family", [{1: 4 - days // 100}], slug=BSD, times=5)
        if days != 100:
            agree(round_, 3, 2)
            _step(round_, days_ago=days // 10)
            _step(round_, days_ago=days // 10, status=StepStatus.DONE)


@pytest.mark.parametrize("teams", [2, 20])
def test_the_facilitators_home_takes_the_same_queries_for_2_or_20_teams(
    as_facilitator, org, teams, django_assert_num_queries
):
    for _team in range(teams):
        _team_with_everything(org)
    # … 7 the rounds with their response counts, 8 the overdue steps, 9 the teams with member counts.
    with django_assert_num_queries(10):
        page = _text(as_facilitator.get(URL))
    assert page.count("days left") == teams
    assert page.count("Planned to open") == teams


@pytest.mark.parametrize("teams", [2, 20])
def test_the_leads_home_takes_the_same_queries_for_2_or_20_teams(as_lead, org, teams, django_assert_num_queries):
    for number in range(teams):
        _team_with_everything(org, rating_now=number % 2 == 0)
    as_lead.get(URL)  # the first reading makes the rounds' releases
    # … 7 the teams with member counts, 8 the latest rounds with their response
    # counts, 9–11 their rubrics with levels and key actions, 12 their releases.
    with django_assert_num_queries(13):
        page = _text(as_lead.get(URL))
    assert page.count("Results appear when the round closes.") == teams // 2
    assert page.count("1 key action moved up") == page.count("1 key action moved down") == teams // 2
