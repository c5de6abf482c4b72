import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from assessments.history.overview import organization_overview
from assessments.history.selectors import team_history
from assessments.management.commands import seed_demo
from assessments.models import (
    ActionPlan,
    ActionStep,
    Consensus,
    Invitation,
    Rating,
    Response,
    Round,
    RoundRubric,
    RoundStatus,
    SentMessage,
    StepStatus,
)
from assessments.planning.selectors import open_steps_from_previous_rounds
from assessments.rating.selectors import open_participations
from assessments.results.computation import round_results
from convening.models import Membership, Organization, Role, StakeholderGroup, Team, TeamMember, User

pytestmark = pytest.mark.django_db

SNAPSHOT_MODELS = (
    Organization,
    Membership,
    StakeholderGroup,
    Team,
    TeamMember,
    Round,
    RoundRubric,
    Invitation,
    Response,
    Rating,
    SentMessage,
    Consensus,
    ActionPlan,
    ActionStep,
)
STAKEHOLDERS = {
    f"{local_part}@{seed_demo.DOMAIN}"
    for local_part, _name, role, _group in seed_demo.PEOPLE
    if role == Role.STAKEHOLDER
}


def _snapshot():
    return {model.__name__: sorted(map(str, model.objects.values_list(flat=False))) for model in SNAPSHOT_MODELS} | {
        "User": sorted(User.objects.values_list("email", "name", "password", "is_superuser"))
    }


def _run(**options):
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def _demo_team():
    return Team.objects.get(organization__name=seed_demo.ORGANIZATION, name=seed_demo.TEAM)


def test_seed_demo_twice_changes_nothing(settings):
    settings.DEBUG = True
    output = _run()
    first = _snapshot()
    _run()

    assert _snapshot() == first
    assert "http://127.0.0.1:8000/" in output
    for email in ("facilitator@demo.convening.test", "lead@demo.convening.test", "admin@demo.convening.test"):
        assert email in output
    assert seed_demo.PASSWORD in output
    # The logins and a stakeholder's personal link close the output, and no e-mail went out to bury them.
    last = output.rstrip().splitlines()
    assert last[-3].lstrip().startswith(seed_demo.ADMIN_EMAIL)
    assert last[-1].lstrip().startswith("http://127.0.0.1:8000/r/")
    assert mail.outbox == []
    assert SentMessage.objects.exists()


def test_seed_demo_content(settings):
    settings.DEBUG = True
    _run()
    demo = Organization.objects.get(name="Demo State Agency")
    team = demo.teams.get(name="SSIP Stakeholder Team")
    facilitator = User.objects.get(email="facilitator@demo.convening.test")

    # Everyone who rated online is on the team; families rated on paper.
    assert team.members.count() == 18
    assert set(team.members.values_list("stakeholder_group__name", flat=True)) == {
        "Family",
        "Educator",
        "Administrator",
        "Provider",
        "Advocate",
    }
    assert team.members.values("stakeholder_group").distinct().count() >= 4
    assert facilitator.check_password(seed_demo.PASSWORD)
    assert set(facilitator.memberships.values_list("organization__name", "role")) == {
        ("Demo State Agency", Role.FACILITATOR),
        ("Neighbouring State Agency", Role.LEAD),
    }
    assert User.objects.get(email="admin@demo.convening.test").is_superuser
    assert demo.stakeholder_groups.count() == 6


def test_the_closed_rounds_have_results_consensus_and_suppressed_groups(settings):
    settings.DEBUG = True
    _run()
    team = _demo_team()

    for name in ("Spring 2026", "Fall 2026"):
        round_ = team.rounds.get(name=name)
        assert round_.status == RoundStatus.CLOSED
        assert round_.closed_at < timezone.now()
        results = round_results(round=round_)
        key_actions = [result for rubric in results.rubrics for result in rubric.key_actions]
        assert [rubric.rubric.slug for rubric in results.rubrics] == seed_demo.RUBRICS
        assert results.submitted >= 20
        stats = [result.stats for result in key_actions if result.stats is not None]
        assert len(stats) == len(key_actions) and all(figures.n > 0 for figures in stats)
        assert sum(figures.not_sure for figures in stats) > 0
        assert {"Advocate", "Provider"} <= results.suppressed
        assert "Family" not in results.suppressed
        assert 0 < sum(figures.discuss for figures in stats) < len(key_actions)
        assert all(result.consensus is not None for result in key_actions)
        assert Rating.objects.filter(response__round=round_).exclude(evidence="").exists()
        # Families rated on paper, everyone else online: no group mixes the two (SPEC §5.1 rule 3).
        online = Response.objects.filter(round=round_, invitation__isnull=False, submitted_at__isnull=False)
        on_paper = Response.objects.filter(round=round_, entered_by_proxy=True)
        assert set(on_paper.values_list("stakeholder_group__name", flat=True)) == {"Family"}
        assert "Family" not in set(online.values_list("stakeholder_group__name", flat=True))
        assert results.release is not None and results.release.respondents == results.submitted


def test_levels_drift_upward_and_the_spring_plan_carries_over(settings):
    settings.DEBUG = True
    _run()
    team = _demo_team()
    spring, fall = team.rounds.get(name="Spring 2026"), team.rounds.get(name="Fall 2026")

    history = team_history(team=team)
    assert [round_.name for round_ in history.rounds] == ["Spring 2026", "Fall 2026"]
    changes = [
        key_action.points[1].consensus - key_action.points[0].consensus
        for rubric in history.rubrics
        for key_action in rubric.key_actions
    ]
    assert all(change >= 0 for change in changes)
    assert sum(change > 0 for change in changes) >= len(changes) // 2

    plans = ActionPlan.objects.filter(round=spring)
    assert plans.count() == 9
    assert all(1 <= plan.steps.count() <= 2 for plan in plans)
    statuses = set(ActionStep.objects.filter(plan__round=spring).values_list("status", flat=True))
    assert StepStatus.DONE in statuses and StepStatus.OPEN in statuses
    assert open_steps_from_previous_rounds(round=fall)


def test_the_open_round_invites_the_demo_stakeholders(settings):
    settings.DEBUG = True
    _run()
    round_ = _demo_team().rounds.get(name="Winter 2027")

    assert round_.status == RoundStatus.OPEN
    assert round_.closes_at > timezone.now()
    invited = set(round_.invitations.values_list("user__email", flat=True))
    assert invited == set(_demo_team().members.values_list("user__email", flat=True))
    assert invited >= STAKEHOLDERS
    maria = User.objects.get(email="family1@demo.convening.test")
    assert list(open_participations(user=maria)) == [round_.invitations.get(user=maria)]
    assert not Response.objects.filter(invitation__user=maria, invitation__round=round_).exists()


def test_the_overview_compares_two_teams(settings):
    settings.DEBUG = True
    _run()
    demo = Organization.objects.get(name="Demo State Agency")

    tables = organization_overview(organization=demo)
    assert len(tables) == 2
    for table in tables:
        assert [row.team.name for row in table.rows] == ["Early Childhood Transition Team", "SSIP Stakeholder Team"]
        assert all(row.round is not None for row in table.rows)


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG=true"):
        _run()
    assert not User.objects.exists()
    assert not Organization.objects.exists()


def test_seed_demo_runs_without_debug_when_forced(settings):
    settings.DEBUG = False
    _run(force=True)
    assert Organization.objects.filter(name="Demo State Agency").exists()


def test_the_demo_prints_the_address_it_serves_and_a_working_personal_link(settings, client):
    settings.DEBUG = True
    settings.SITE_URL = "http://127.0.0.1:8101"
    output = _run()

    assert "Open http://127.0.0.1:8101/ and log in as:" in output
    assert "8000" not in output
    link = output.rstrip().splitlines()[-1].strip()
    assert link.startswith("http://127.0.0.1:8101/r/")
    response = client.get(link.removeprefix("http://127.0.0.1:8101"))
    assert response.status_code == 302
    assert "family1@demo.convening.test" in output and "has not begun rating Winter 2027" in output


def test_every_online_respondent_of_a_closed_round_is_a_member_of_its_team(settings):
    """Members and respondents add up: a team with closed rounds has members, and each online response is a
    member's; the rest are paper forms."""
    settings.DEBUG = True
    _run()

    for round_ in Round.objects.filter(organization__name=seed_demo.ORGANIZATION, status=RoundStatus.CLOSED):
        members = set(round_.team.members.values_list("user_id", flat=True))
        assert members, round_.team.name
        online = Response.objects.filter(round=round_, invitation__user__isnull=False)
        assert set(online.values_list("invitation__user_id", flat=True)) <= members
        on_paper = Response.objects.filter(round=round_, entered_by_proxy=True).count()
        assert online.count() + on_paper == Response.objects.filter(round=round_).count()


def test_the_login_page_of_the_demo_says_which_login_to_try(settings, client):
    settings.DEBUG = True
    page = client.get(reverse("login")).content.decode()
    assert "Trying the demo?" not in page  # no demo data yet

    _run()
    page = client.get(reverse("login")).content.decode()
    assert "Trying the demo?" in page and seed_demo.PASSWORD in page
    for email in ("facilitator@demo.convening.test", "lead@demo.convening.test", "family1@demo.convening.test"):
        assert email in page
        assert User.objects.get(email=email).check_password(seed_demo.PASSWORD)

    settings.DEBUG = False
    assert "Trying the demo?" not in client.get(reverse("login")).content.decode()
