"""The benchmark data generator (bench/) on its smallest profile, so that it
keeps working as the models change. It writes with PostgreSQL COPY, so it is
tested where the suite runs on PostgreSQL (CI)."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from assessments.history.selectors import team_history
from assessments.invitations.tokens import hash_token, make_token
from assessments.models import Invitation, Rating, Response, Round, RoundStatus
from assessments.results.computation import round_results
from bench import loaddata
from bench.management.commands import generate_load_data
from convening.models import Team

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY needs PostgreSQL"),
]


def test_tiny_profile_writes_consistent_rounds_and_is_repeatable():
    call_command(generate_load_data.Command(), profile="tiny", seed=3, stdout=io.StringIO())
    profile = loaddata.PROFILES["tiny"]
    closed = Round.objects.filter(status=RoundStatus.CLOSED)
    assert closed.count() == profile.organizations * profile.teams * profile.rounds + len(profile.big_rounds)
    round_ = closed.filter(team__name="Team 01").first()
    results = round_results(round=round_)
    assert results.submitted == profile.respondents
    assert sum(ka.stats.n + ka.stats.not_sure for rubric in results.rubrics for ka in rubric.key_actions) == (
        profile.respondents * 9
    )
    assert Rating.objects.filter(response__round=round_).count() == profile.respondents * 9
    assert len(team_history(team=round_.team).rounds) == profile.rounds
    # Personal links work with this server's key.
    invitation = Invitation.objects.filter(round__status=RoundStatus.OPEN).first()
    assert invitation.token_hash == hash_token(make_token(invitation.pk, invitation.token_nonce))

    # A second run keeps what exists, and new rows get fresh ids.
    before = Response.objects.count()
    call_command(generate_load_data.Command(), profile="tiny", seed=3, stdout=io.StringIO())
    assert Response.objects.count() == before
    assert Team.objects.create(organization=round_.organization, name="After").pk > round_.team.pk
