import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.history.overview import organization_overview
from assessments.tests.factories import RoundFactory
from assessments.tests.history_data import BSD, CAE, agree, closed_round, lbc, respond
from convening.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

JAN = datetime(2027, 1, 15, 12, tzinfo=UTC)
URL = reverse("assessments:overview")


def _table(tables, slug):
    return next(table for table in tables if table.slug == slug)


def _row(table, team):
    return next(row for row in table.rows if row.team == team)


@pytest.fixture
def teams(org):
    """Alpha: an older round, then a newer one with a consensus on key action 1
    only. Beta: one round, no consensus. Gamma: no closed round."""
    alpha = TeamFactory(organization=org, name="Alpha")
    older = closed_round(alpha, closed_at=JAN, name="Alpha winter")
    respond(older, "Family", [{1: 1, 2: 1}], times=5)
    agree(older, 2, 1)
    newer = closed_round(alpha, closed_at=JAN + timedelta(days=180), name="Alpha summer")
    respond(newer, "Family", [{1: 1, 2: 2}, {1: 2, 2: 3}, {1: 2, 2: 4}], times=5)
    agree(newer, 1, 4)
    beta = TeamFactory(organization=org, name="Beta")
    beta_round = closed_round(beta, closed_at=JAN + timedelta(days=30), rubrics=[lbc(CAE), lbc(BSD)], name="Beta")
    respond(beta_round, "Educator", [{1: 2}, {1: 3}], times=5)
    respond(beta_round, "Educator", [{4: 3}], slug=BSD, times=5)
    RoundFactory(team=beta)  # open: never shown
    gamma = TeamFactory(organization=org, name="Gamma")
    return alpha, beta, gamma


def test_consensus_is_preferred_over_the_median_of_the_latest_closed_round(org, teams):
    alpha, beta, gamma = teams

    tables = organization_overview(organization=org)

    assert [table.slug for table in tables] == [BSD, CAE]  # by title
    cae = _table(tables, CAE)
    row = _row(cae, alpha)
    assert row.round.name == "Alpha summer"
    first, second = row.cells[:2]
    assert (first.level, first.is_consensus, first.level_name, first.meter) == (4.0, True, "Transforming", "■■■■")
    # The older round's consensus on key action 2 does not carry over: the newer median shows.
    assert (second.level, second.is_consensus, second.level_name, second.meter) == (3.0, False, "Collaborating", "■■■□")
    beta_cell = _row(cae, beta).cells[0]
    assert (beta_cell.level, beta_cell.is_consensus, beta_cell.level_name, beta_cell.meter) == (2.5, False, "", "■■◧□")
    assert _row(cae, beta).cells[4].level is None  # the round used it; nobody rated it
    assert _row(cae, gamma).round is None and _row(cae, gamma).cells == [None] * 5
    assert _row(_table(tables, BSD), alpha).round is None  # Alpha never used that rubric


def test_filters_by_rubric_and_closing_dates(org, teams):
    alpha, beta, _gamma = teams
    assert [t.slug for t in organization_overview(organization=org, rubric_slug=BSD)] == [BSD]
    # Up to a date before Alpha's newer round: its older round shows.
    tables = organization_overview(organization=org, closed_before=JAN + timedelta(days=100))
    assert _row(_table(tables, CAE), alpha).round.name == "Alpha winter"
    assert _row(_table(tables, CAE), alpha).cells[1].is_consensus
    tables = organization_overview(organization=org, closed_from=JAN + timedelta(days=100))
    assert _row(_table(tables, CAE), beta).round is None
    assert [t.slug for t in tables] == [CAE]


def test_the_page_shows_text_shape_and_class_and_filters_with_a_get_form(client, lead, teams):
    client.force_login(lead)

    response = client.get(URL, {"rubric": CAE, "closed_from": "2027-01-01", "closed_to": "2027-01-15"})

    assert response.status_code == 200
    html = response.content.decode()
    assert '<form method="get"' in html
    assert "Alpha winter" in html and "Alpha summer" not in html  # the "to" day counts whole
    assert f'id="overview-{BSD}"' not in html and f'id="overview-{CAE}"' in html
    assert re.search(r'class="level-cell level-1 is-median"', html)
    assert "median, no consensus" in html and "1 Informing" in html and "■□□□" in html
    assert "css/history.css" in html
    assert not re.search(r"<(script|style)\b|\sstyle=", html.split("<main", 1)[1])

    everything = client.get(URL).content.decode()
    assert "Alpha summer" in everything and "consensus" in everything and "4 Transforming" in everything
    assert "No closed round" in everything


def test_a_backwards_date_range_is_refused_with_a_message(client, facilitator, teams):
    client.force_login(facilitator)
    response = client.get(URL, {"closed_from": "2027-06-01", "closed_to": "2027-01-01"})
    assert response.status_code == 400
    assert "must not be before its start" in response.content.decode()
    response = client.get(URL, {"rubric": "no-such-rubric"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("persona", "expected"), [(None, 302), ("stakeholder", 403), ("facilitator", 200), ("lead", 200)]
)
def test_permission_matrix(client, request, teams, persona, expected):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == expected
    if persona is None:
        assert response["Location"].startswith(reverse("login"))


def test_another_organization_sees_its_own_teams_only(client, outsider, teams):
    client.force_login(outsider)
    response = client.get(URL)
    assert response.status_code == 200
    assert "Alpha" not in response.content.decode()


def test_someone_in_no_organization_gets_404(client):
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 404


def test_the_number_of_queries_does_not_grow_with_the_teams(client, lead, org):
    """2 and 20 teams take the same queries (14 today): the session and the user, the
    request's savepoint and its release, the person's organizations and roles
    in the current one (access), the rubric choices, organization_overview's
    seven (the teams; the closed rounds' rubrics, levels and key actions; the
    grouped level counts and the current consensus records of the rounds
    shown), and the page header's organizations of the person."""
    client.force_login(lead)
    counts = []
    for number in (2, 20):
        while org.teams.count() < number:
            team = TeamFactory(organization=org)
            for days in (0, 10):
                round_ = closed_round(team, closed_at=JAN + timedelta(days=days), rubrics=[lbc(CAE), lbc(BSD)])
                respond(round_, "Family", [{1: 2, 2: 3}, {1: None}], times=5)
                respond(round_, "Family", [{1: 4}], slug=BSD, times=5)
                agree(round_, 3, 2)
        client.get(URL)  # the first reading makes each round's release
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL)
        assert response.status_code == 200
        assert response.content.decode().count('scope="row"') == 2 * number
        counts.append(len(queries))
    assert counts[0] == counts[1]
