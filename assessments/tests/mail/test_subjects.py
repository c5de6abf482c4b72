"""A subject is plain text: quotes and ampersands in a team's or round's name
reach the inbox as typed, never as HTML entities."""

import pytest
from django.core import mail

from assessments.rounds.services import round_close, round_remind
from assessments.tests.factories import invite

pytestmark = pytest.mark.django_db

NAME = 'Smith & Sons "East" <Hall> O\'Neil'


def test_subjects_of_every_kind_carry_names_as_typed(open_round, django_capture_on_commit_callbacks):
    open_round.team.name = NAME
    open_round.team.save()
    open_round.name = NAME
    open_round.save()
    with django_capture_on_commit_callbacks(execute=True):
        invite(open_round)
    with django_capture_on_commit_callbacks(execute=True):
        round_remind(round=open_round)
    with django_capture_on_commit_callbacks(execute=True):
        round_close(round=open_round)
    subjects = [message.subject for message in mail.outbox]
    assert len(subjects) == 3
    for subject in subjects:
        assert NAME in subject
        assert "&amp;" not in subject and "&quot;" not in subject and "&#x27;" not in subject
    # The HTML part still escapes what it shows.
    assert "&amp;" in mail.outbox[0].alternatives[0][0]
