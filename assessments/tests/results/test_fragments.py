"""The figures' HTML of the results page: kept for a closed round's release,
drawn afresh for an open round's, and drawn again whenever what it shows changes."""

import re

import pytest
from django.core.cache import cache

from assessments.models import RoundStatus
from assessments.planning.services import consensus_record
from assessments.tests.results.test_results import add_respondents, spread
from assessments.tests.results_helpers import cae_round, key_action, level, url

pytestmark = pytest.mark.django_db

FIGURES = "assessments/results/_figures.html"
TABLE = "assessments/results/_table.html"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def without_tokens(response) -> str:
    """The page, its forms' CSRF tokens aside (masked anew on every response)."""
    return re.sub(r'(csrfmiddlewaretoken" value=|CSRFToken": )"[^"]*"', "", response.content.decode())


def drawn(response) -> set[str]:
    return {template.name for template in response.templates} & {FIGURES, TABLE}


def test_a_closed_rounds_figures_are_drawn_once_and_then_read_in_one_round_trip(client, facilitator, org, monkeypatch):
    round_ = cae_round(org)
    add_respondents(round_, "Family", spread([1, 3, 3, 1]))
    client.force_login(facilitator)
    first = client.get(url("results", round_))
    assert drawn(first) == {FIGURES, TABLE}
    reads = []
    get_many = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys: reads.append(keys) or get_many(keys))
    second = client.get(url("results", round_))
    assert drawn(second) == set()
    assert len(reads) == 1 and len(reads[0]) == 1 + round_.rubrics.get().key_actions.count()
    assert without_tokens(second) == without_tokens(first)


def test_the_table_is_kept_per_order(client, facilitator, org):
    round_ = cae_round(org)
    add_respondents(round_, "Family", spread([1, 3, 3, 1]))
    client.force_login(facilitator)
    client.get(url("results", round_))
    assert drawn(client.get(url("results", round_) + "?order=disagreement")) == {TABLE}


def test_a_recorded_consensus_is_in_the_table_at_once(client, facilitator, org):
    round_ = cae_round(org)
    add_respondents(round_, "Family", spread([1, 3, 3, 1]))
    client.force_login(facilitator)
    client.get(url("results", round_))
    first = key_action(round_, 1)
    consensus_record(round=round_, key_action=first, level=level(round_, 3), rationale="", recorded_by=facilitator)
    html = client.get(url("results", round_)).content.decode()
    table = html[html.index("results-table") : html.index("</table>")]
    row = table[table.index(f'href="#ka-{first.pk}"') :].split("</tr>")[0]
    assert row.endswith(f"<td>{level(round_, 3).name}</td>\n          ")


def test_an_open_rounds_figures_are_drawn_on_every_request(client, facilitator, org):
    round_ = cae_round(org, status=RoundStatus.OPEN, results_revealed=True)
    add_respondents(round_, "Family", spread([1, 3, 3, 1]))
    client.force_login(facilitator)
    client.get(url("results", round_))
    assert drawn(client.get(url("results", round_))) == {FIGURES, TABLE}
