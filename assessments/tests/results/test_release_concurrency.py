"""Facilitators and leads opening a closed round's results at the same
moment (the end of a meeting) get one release, not one each (issue 11): the
results page and results.json run outside the request's transaction, so it
is the round's row lock, taken in `round_release_refresh`, that orders them.
Concurrent transactions: PostgreSQL only, as in rating/test_concurrency.py."""

import json

import pytest
from django.db import connection
from django.test import Client

from assessments.models import Release
from assessments.tests.rating.test_concurrency import at_once
from assessments.tests.results.test_results import add_respondents
from assessments.tests.results_helpers import cae_round, url
from convening.models import Role
from convening.tests.factories import MembershipFactory, UserFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent transactions: DATABASE_URL=postgres://…"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
READERS = 6


def test_six_first_readings_at_once_make_one_release_and_show_the_same_figures(org):
    round_ = cae_round(org)
    add_respondents(round_, "Family", [1, 2, 2, 3, 4, 4])
    clients = []
    for n in range(READERS):
        person = UserFactory()
        MembershipFactory(organization=org, user=person, role=Role.LEAD if n % 2 else Role.FACILITATOR)
        client = Client()
        client.force_login(person)
        clients.append(client)
    assert not Release.objects.filter(round=round_).exists()

    def read(client, name):
        return lambda: client.get(url(name, round_))

    responses = at_once(*[read(c, "results_json" if n % 2 else "results") for n, c in enumerate(clients)])

    assert [getattr(r, "status_code", r) for r in responses] == [200] * READERS
    release = Release.objects.get(round=round_)
    assert release.is_current and release.shown_at is not None and release.groups_shown_at is not None
    figures = [json.loads(r.content)["round"] for n, r in enumerate(responses) if n % 2]
    assert [f["submitted"] for f in figures] == [6] * (READERS // 2)
