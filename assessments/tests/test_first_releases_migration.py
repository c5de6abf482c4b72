"""Migration 0008 takes every submitted response's digest, then makes the
first release of every closed round, shown."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from assessments.models import Release, Response, RoundStatus
from assessments.results.releases import live_snapshot
from assessments.tests.history_data import closed_round, respond
from assessments.tests.results_helpers import cae_round

pytestmark = pytest.mark.django_db

migration = importlib.import_module("assessments.migrations.0008_answers_digest")


def test_closed_rounds_with_k_respondents_keep_their_results_and_the_others_show_none(team, org):
    read = closed_round(team, closed_at=timezone.now() - timedelta(days=3))
    respond(read, "Family", [{1: 2}, {1: 3}], times=5)
    small = closed_round(team, closed_at=timezone.now() - timedelta(days=2))
    respond(small, "Family", [{1: 2}, {1: 3}])
    still_open = cae_round(org, status=RoundStatus.OPEN)
    respond(still_open, "Family", [{1: 2}], times=5)

    Response.objects.update(answers_digest=0)  # as the column is added

    migration.digests_and_first_releases(apps, None)

    release = Release.objects.get(round=read, is_current=True)
    assert release.respondents == 10 and release.shown_at is not None and release.groups_shown_at is not None
    assert release.figures["team"][str(read.rubrics.get().key_actions.get(position=1).pk)] != {}
    assert not Release.objects.filter(round__in=[small, still_open]).exists()


def test_the_digests_taken_are_those_the_services_keep(team):
    read = closed_round(team, closed_at=timezone.now() - timedelta(days=3))
    respond(read, "Family", [{1: 2}, {1: 3}, {1: None}], times=2)
    kept = live_snapshot(round=read)
    Response.objects.update(answers_digest=0)

    migration.digests_and_first_releases(apps, None)

    assert live_snapshot(round=read) == kept
    assert len({answerer.digest for answerer in kept.values()}) == 3
