import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.history.charts import DIAMOND_RADIUS, DOT_RADIUS, history_chart_svg
from assessments.history.selectors import team_history
from assessments.tests.factories import RoundFactory
from assessments.tests.history_data import BSD, CAE, agree, closed_round, lbc, respond
from convening.tests.factories import TeamFactory
from rubrics.models import KeyAction, Level, Rubric

pytestmark = pytest.mark.django_db

JAN = datetime(2027, 1, 15, tzinfo=UTC)


@pytest.fixture
def team(org):
    return TeamFactory(organization=org, name="SSIP stakeholder team")


def _url(team):
    return reverse("assessments:team_history", args=[team.pk])


def _points(history, slug=CAE, position=1):
    rubric = next(r for r in history.rubrics if r.slug == slug)
    return next(k for k in rubric.key_actions if k.position == position).points


def test_medians_consensus_and_movement_per_closed_round(team):
    first = closed_round(team, closed_at=JAN, name="Winter 2027")
    respond(first, "Family", [{1: 1}, {1: 2}, {1: 2}, {1: None}], times=5)  # median 2; "Not sure" left out
    respond(first, "Family", [{1: 4}, {1: 4}], submitted=False, times=5)  # never submitted: not counted
    agree(first, 1, 2)
    agree(first, 1, 3)  # the latest record is the consensus
    second = closed_round(team, closed_at=JAN + timedelta(days=180), name="Summer 2027")
    respond(second, "Educator", [{1: 2}, {1: 3}, {1: 3}, {1: 4}], times=5)  # median 3
    third = closed_round(team, closed_at=JAN + timedelta(days=360), name="Winter 2028")
    respond(third, "Educator", [{1: 2}, {1: 2}, {1: 3}, {1: 3}], times=5)  # median 2.5
    agree(third, 1, 3)
    RoundFactory(team=team)  # still open: not part of the history
    closed_round(TeamFactory(organization=team.organization), closed_at=JAN)  # another team's

    history = team_history(team=team)

    assert [r.name for r in history.rounds] == ["Winter 2027", "Summer 2027", "Winter 2028"]
    points = _points(history)
    assert [(p.n, p.median, p.consensus) for p in points] == [(15, 2.0, 3), (20, 3.0, None), (20, 2.5, 3)]
    assert [p.median_change and p.median_change.delta for p in points] == [None, 1.0, -0.5]
    assert [p.median_change and p.median_change.direction for p in points] == [None, "up", "down"]
    # No consensus in the middle round: nothing to compare either side of it.
    assert [p.consensus_change for p in points] == [None, None, None]
    assert points[0].consensus_name == "Collaborating"
    # Key action 2 was not rated at all: the rounds used it, with no figures.
    assert [(p.rated, p.n, p.median) for p in _points(history, position=2)] == [(True, 0, None)] * 3


def test_the_same_consensus_twice_is_no_change(team):
    for month in (0, 6):
        round_ = closed_round(team, closed_at=JAN + timedelta(days=30 * month))
        agree(round_, 3, 2)
    points = _points(team_history(team=team), position=3)
    assert points[1].consensus_change.delta == 0 and points[1].consensus_change.direction == "same"


def _new_version(org):
    """Creating Active Engagement, version 2 owned by the organization: one key
    action fewer and other titles. Key actions follow by position."""
    old = lbc(CAE)
    rubric = Rubric.objects.create(
        organization=org, slug=CAE, version=2, title="Creating Active Engagement (2nd ed.)", row_heading="x"
    )
    Level.objects.bulk_create(Level(rubric=rubric, position=lv.position, name=lv.name) for lv in old.levels.all())
    KeyAction.objects.bulk_create(
        KeyAction(rubric=rubric, position=p, title=f"Key action {p} v2") for p in (1, 2, 3, 4)
    )
    return rubric


def test_key_actions_follow_slug_and_position_across_versions_and_skipped_rounds(org, team):
    first = closed_round(team, closed_at=JAN, name="One")
    respond(first, "Family", [{1: 1, 5: 2}], times=5)
    skipped = closed_round(team, closed_at=JAN + timedelta(days=90), rubrics=[lbc(BSD)], name="Two")
    respond(skipped, "Family", [{1: 4}], slug=BSD, times=5)
    third = closed_round(team, closed_at=JAN + timedelta(days=180), rubrics=[_new_version(org)], name="Three")
    respond(third, "Family", [{1: 3}], times=5)

    history = team_history(team=team)

    cae = next(r for r in history.rubrics if r.slug == CAE)
    assert cae.title == "Creating Active Engagement (2nd ed.)"  # the newest version names it
    assert [k.title for k in cae.key_actions] == [f"Key action {p} v2" for p in (1, 2, 3, 4)]
    points = _points(history)
    assert [(p.rated, p.median) for p in points] == [(True, 1.0), (False, None), (True, 3.0)]
    # Movement skips the round that did not rate the key action.
    assert points[2].median_change.delta == 2.0
    assert [p.rated for p in _points(history, slug=BSD)] == [False, True, False]


def test_the_page_shows_figures_movement_words_and_a_chart(client, lead, team):
    first = closed_round(team, closed_at=JAN, name="Winter 2027")
    respond(first, "Family", [{1: 2}], times=5)
    second = closed_round(team, closed_at=JAN + timedelta(days=180), name="Summer <2027>")
    respond(second, "Family", [{1: 3}], times=5)
    agree(second, 1, 3)
    third = closed_round(team, closed_at=JAN + timedelta(days=360), name="Winter 2028")
    respond(third, "Family", [{1: 2}, {1: 3}], times=5)
    client.force_login(lead)

    response = client.get(_url(team))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "↑ +1" in html and "up 1 since the previous round" in html
    assert "↓ −0.5" in html and "down 0.5 since the previous round" in html
    assert 'role="img"' in html and "<desc" in html
    assert "Summer &lt;2027&gt;" in html and "Summer <2027>" not in html
    assert "3 Collaborating" in html
    assert not re.search(r"<(script|style)\b|\sstyle=", html.split("<main", 1)[1])
    assert reverse("assessments:export_results_csv", args=[third.pk]) in html


def test_a_team_without_closed_rounds(client, facilitator, team):
    RoundFactory(team=team)
    client.force_login(facilitator)
    response = client.get(_url(team))
    assert response.status_code == 200
    assert "no closed rounds yet" in response.content.decode()


def test_the_chart_uses_two_shapes_and_says_every_figure(team):
    first = closed_round(team, closed_at=JAN, name="A")
    respond(first, "Family", [{1: 2}, {1: 3}], times=5)
    agree(first, 1, 3)
    closed_round(team, closed_at=JAN + timedelta(days=1), rubrics=[lbc(BSD)], name="B")
    history = team_history(team=team)
    cae = next(r for r in history.rubrics if r.slug == CAE)

    svg = history_chart_svg(cae.key_actions[0], title="Key action 1 <over time>", chart_id="c-1")

    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-labelledby="c-1-title c-1-desc"' in svg
    assert '<title id="c-1-title">Key action 1 &lt;over time&gt;</title>' in svg
    assert "A: median 2.5, consensus 3 (Collaborating)" in svg
    assert "B: not rated" in svg
    assert "<circle" in svg and "<path" in svg  # dots for the median, diamonds for the consensus
    assert "style=" not in svg
    with pytest.raises(ValueError):
        history_chart_svg(cae.key_actions[0], title="x", chart_id='"><script>')


def _marks(svg):
    root = ET.fromstring(str(svg))  # noqa: S314 — our own markup
    ns = "{http://www.w3.org/2000/svg}"
    dots = [el for el in root.iter(f"{ns}circle") if el.get("class") == "median-mark"]
    diamonds = [el for el in root.iter(f"{ns}path") if el.get("class") == "consensus-mark"]
    return dots, diamonds


def _diamond_corners(path):
    return [tuple(float(v) for v in corner.split()) for corner in path.get("d")[1:-1].split("L")]


def test_a_consensus_at_the_median_is_drawn_around_the_dot_so_both_stay_visible(team):
    same = closed_round(team, closed_at=JAN, name="A")
    respond(same, "Family", [{1: 3}, {1: 3}], times=5)  # median 3
    agree(same, 1, 3)  # consensus 3
    apart = closed_round(team, closed_at=JAN + timedelta(days=1), name="B")
    respond(apart, "Family", [{1: 2}, {1: 2}], times=5)  # median 2
    agree(apart, 1, 3)
    cae = next(r for r in team_history(team=team).rubrics if r.slug == CAE)

    dots, diamonds = _marks(history_chart_svg(cae.key_actions[0], title="t", chart_id="c-1"))

    assert len(dots) == 2 and len(diamonds) == 2
    for dot, diamond in zip(dots, diamonds, strict=True):
        centre = (float(dot.get("cx")), float(dot.get("cy")))
        corners = _diamond_corners(diamond)
        x_mid, y_mid = sum(c[0] for c in corners) / 4, sum(c[1] for c in corners) / 4
        radius = max(abs(c[0] - x_mid) for c in corners)
        if (x_mid, y_mid) == centre:  # round A: the same level
            # The diamond's sides lie radius/√2 from its centre: clear of the dot, with room for the halo.
            assert radius / 2**0.5 > DOT_RADIUS + 2
        else:  # round B: apart, each mark at its own level and the diamond its usual size
            assert x_mid == centre[0] and y_mid != centre[1]
            assert radius == DIAMOND_RADIUS


@pytest.mark.parametrize(
    ("persona", "expected"),
    [(None, 302), ("outsider", 404), ("stakeholder", 403), ("facilitator", 200), ("lead", 200)],
)
def test_permission_matrix(client, request, team, persona, expected):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(_url(team))
    assert response.status_code == expected
    if persona is None:
        assert response["Location"].startswith(reverse("login"))


def _rounds_with_ratings(team, count):
    for index in range(count):
        round_ = closed_round(team, closed_at=JAN + timedelta(days=index), rubrics=[lbc(CAE), lbc(BSD)])
        respond(round_, "Family", [{1: 1 + index % 4, 2: 2}, {1: None, 3: 4}], times=5)
        respond(round_, "Family", [{1: 3}], slug=BSD, times=5)
        agree(round_, 1, 1 + index % 4)


def test_the_number_of_queries_does_not_grow_with_the_rounds(client, lead, org):
    """2 and 20 rounds take the same queries (14 today): the session and the
    user, the request's savepoint and its release, the team and the person's
    roles in its organization (access), team_history's six (the closed
    rounds; their rubrics, levels and key actions; the releases of every
    round, once made; the current consensus records of every round), and the page
    header's (the person's organizations, the current one among them, and roles)."""
    client.force_login(lead)
    counts = []
    for rounds in (2, 20):
        team = TeamFactory(organization=org)
        _rounds_with_ratings(team, rounds)
        client.get(_url(team))  # the first reading makes each round's release
        with CaptureQueriesContext(connection) as queries:
            response = client.get(_url(team))
        assert response.status_code == 200
        assert response.content.decode().count('role="img"') == 9
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("respondents", [10, 1000])
def test_history_and_overview_cost_the_same_queries_whatever_the_respondents(client, lead, org, respondents):
    """Read from the rounds' releases, once made: 10 or 1,000 respondents a round take the same queries."""
    client.force_login(lead)
    team = TeamFactory(organization=org)
    for index in range(2):
        round_ = closed_round(team, closed_at=JAN + timedelta(days=index))
        respond(round_, "Family", [{1: 1 + index, 2: 2}, {1: 3, 3: 4}], times=respondents // 2)
    counts = []
    for address in (_url(team), reverse("assessments:overview")):
        client.get(address)  # the first reading makes each round's release
        with CaptureQueriesContext(connection) as queries:
            assert client.get(address).status_code == 200
        counts.append(len(queries))
    # The same at 10 and at 1,000: history 14 (see the test above), overview 13.
    assert counts == [14, 13]
