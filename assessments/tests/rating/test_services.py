import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from assessments.exceptions import StateConflict
from assessments.invitations.services import invitation_resend, invitation_revoke
from assessments.models import Rating, Response
from assessments.rating.autosave import AnswerChange, Participant, rating_autosave
from assessments.rating.services import AnswerConflict, answer_save, rating_save, response_submit
from assessments.rounds.selectors import round_progress
from assessments.rounds.services import round_close, round_open
from assessments.tests.factories import RoundFactory, answer_all, invite
from convening.models import StakeholderGroup
from rubrics.models import KeyAction, Level, Rubric

pytestmark = pytest.mark.django_db

# Rating


def test_rating_save_creates_then_updates_one_row(open_round):
    (invitation,) = invite(open_round)
    key_action = KeyAction.objects.filter(rubric__in=open_round.rubrics.all()).first()
    level_1, level_3 = (key_action.rubric.levels.get(position=p) for p in (1, 3))
    rating_save(invitation=invitation, key_action_id=key_action.pk, level_id=level_1.pk, not_sure=False, evidence="")
    rating_save(
        invitation=invitation, key_action_id=key_action.pk, level_id=level_3.pk, not_sure=False, evidence=" We meet "
    )
    rating = Rating.objects.get()
    assert (rating.level, rating.evidence) == (level_3, "We meet")
    assert Response.objects.count() == 1


def test_evidence_may_come_before_the_level(open_round):
    (invitation,) = invite(open_round)
    key_action = KeyAction.objects.filter(rubric__in=open_round.rubrics.all()).first()
    rating_save(invitation=invitation, key_action_id=key_action.pk, level_id=None, not_sure=False, evidence="Notes")
    rating = Rating.objects.get()
    assert not rating.is_rated and rating.evidence == "Notes"


@pytest.mark.parametrize("case", ["foreign_key_action", "foreign_level", "both", "long_evidence"])
def test_bad_ratings_are_refused_and_change_nothing(open_round, case):
    (invitation,) = invite(open_round)
    in_round = KeyAction.objects.filter(rubric__in=open_round.rubrics.all()).order_by("pk").first()
    other = Rubric.objects.create(organization=open_round.organization, slug="other", title="O", row_heading="R")
    other_level = Level.objects.create(rubric=other, position=1, name="L")
    other_action = KeyAction.objects.create(rubric=other, position=1, title="K")
    own_level = in_round.rubric.levels.first()
    fields = {
        "foreign_key_action": {"key_action_id": other_action.pk, "level_id": other_level.pk, "not_sure": False},
        "foreign_level": {"key_action_id": in_round.pk, "level_id": other_level.pk, "not_sure": False},
        "both": {"key_action_id": in_round.pk, "level_id": own_level.pk, "not_sure": True},
        "long_evidence": {"key_action_id": in_round.pk, "level_id": own_level.pk, "not_sure": False},
    }[case]
    evidence = "x" * 2001 if case == "long_evidence" else ""
    with pytest.raises(ValidationError):
        rating_save(invitation=invitation, evidence=evidence, **fields)
    assert Rating.objects.count() == 0


def test_no_rating_once_closed_or_revoked(open_round):
    first, second = invite(open_round), invite(open_round)
    key_action = KeyAction.objects.filter(rubric__in=open_round.rubrics.all()).first()
    invitation_revoke(invitation=first[0])
    first[0].refresh_from_db()
    with pytest.raises(PermissionDenied):
        rating_save(invitation=first[0], key_action_id=key_action.pk, level_id=None, not_sure=True, evidence="")
    round_close(round=open_round)
    second[0].round.refresh_from_db()
    with pytest.raises(StateConflict):
        rating_save(invitation=second[0], key_action_id=key_action.pk, level_id=None, not_sure=True, evidence="")
    assert Rating.objects.count() == 0


@pytest.fixture
def answered(open_round):
    """An invitee who has answered once (so the response exists and autosave
    takes its one-statement path), and that answer."""
    (invitation,) = invite(open_round)
    key_action = KeyAction.objects.filter(rubric__in=open_round.rubrics.all()).order_by("pk").first()
    level = key_action.rubric.levels.get(position=1)
    rating_save(
        invitation=invitation, key_action_id=key_action.pk, level_id=level.pk, not_sure=False, evidence="Before"
    )
    return invitation, key_action


def by_link(invitation):
    return Participant(invitation_id=invitation.pk, token_hash=invitation.token_hash)


def autosave(invitation, key_action, *, participant=None, round_id=None, **answer):
    fields = {"not_sure": False, "evidence": "After"}
    if "level_id" not in answer:
        fields["level_id"] = key_action.rubric.levels.get(position=3).pk
    saved = rating_autosave(
        participant=participant or by_link(invitation),
        round_id=round_id or invitation.round_id,
        change=AnswerChange(key_action_id=key_action.pk, **{**fields, **answer}),
    )
    return None if saved is None else (saved.rated, saved.total)


def test_autosave_revises_an_answer_for_a_link_or_an_account_and_counts_progress(answered):
    invitation, key_action = answered
    total = KeyAction.objects.filter(rubric__round_rubrics__round=invitation.round).count()
    assert autosave(invitation, key_action) == (1, total)
    assert Rating.objects.get().evidence == "After"
    by_account = Participant(invitation_id=invitation.pk, user_id=invitation.user_id)
    assert autosave(invitation, key_action, participant=by_account, not_sure=True, level_id=None, evidence="") == (
        1,
        total,
    )
    rating = Rating.objects.get()
    assert (rating.level_id, rating.not_sure, rating.evidence) == (None, True, "")
    second = KeyAction.objects.filter(rubric__round_rubrics__round=invitation.round).exclude(pk=key_action.pk).first()
    assert autosave(invitation, second, level_id=None, evidence="Notes only") == (1, total)  # not rated yet
    assert autosave(invitation, second, level_id=None, not_sure=True) == (2, total)


def test_each_part_is_written_only_over_the_version_it_was_based_on(answered):
    """Finding 4 and the keyboard race: a stale tab's level change keeps the
    evidence saved elsewhere, and a late request never overwrites a newer
    answer, whatever order the requests arrive in."""
    invitation, key_action = answered
    levels = list(key_action.rubric.levels.order_by("position"))
    stored = Rating.objects.get()
    assert (stored.level_version, stored.evidence_version) == (1, 1)

    def change(**fields):
        return rating_autosave(
            participant=by_link(invitation),
            round_id=invitation.round_id,
            change=AnswerChange(key_action_id=key_action.pk, **fields),
        )

    # The laptop saves evidence; the phone, loaded before, changes only the level.
    laptop = change(evidence="From the laptop", writes_level=False, evidence_base=1)
    assert (laptop.level_version, laptop.evidence_version) == (1, 2)
    phone = change(level_id=levels[1].pk, writes_evidence=False, level_base=1)
    assert (phone.level_version, phone.evidence_version) == (2, 2)
    rating = Rating.objects.get()
    assert (rating.level_id, rating.evidence) == (levels[1].pk, "From the laptop")

    # Two presses sent on the same base: the one arriving second is refused.
    assert change(level_id=levels[2].pk, writes_evidence=False, level_base=2) is not None
    assert change(level_id=levels[3].pk, writes_evidence=False, level_base=2) is None
    assert Rating.objects.get().level_id == levels[2].pk
    with pytest.raises(AnswerConflict) as conflict:
        answer_save(
            invitation=invitation,
            change=AnswerChange(
                key_action_id=key_action.pk, level_id=levels[3].pk, writes_evidence=False, level_base=2
            ),
        )
    assert conflict.value.stored.level_id == levels[2].pk
    assert Rating.objects.get().level_version == 3


def test_a_grant_ends_with_a_new_link(answered):
    """Finding 5: a session's grant names the link it came from."""
    invitation, key_action = answered
    old = by_link(invitation)
    invitation_resend(invitation=invitation, new_link=True)
    invitation.refresh_from_db()
    assert autosave(invitation, key_action, participant=old) is None
    assert autosave(invitation, key_action, participant=by_link(invitation)) is not None


@pytest.mark.parametrize(
    "case", ["revoked", "closed", "other_round", "other_person", "foreign_key_action", "foreign_level", "nobody"]
)
def test_autosave_writes_nothing_when_a_rule_is_broken(answered, case):
    invitation, key_action = answered
    round_ = invitation.round
    other_round = RoundFactory(team=round_.team)
    round_open(round=other_round)
    (other_invitation,) = invite(other_round)
    other = Rubric.objects.create(organization=round_.organization, slug="other", title="O", row_heading="R")
    kwargs = {}
    if case == "revoked":
        invitation_revoke(invitation=invitation)
    elif case == "closed":
        round_close(round=round_)
    elif case == "other_round":  # a link to another round does not open this one
        kwargs["participant"] = by_link(other_invitation)
    elif case == "other_person":
        kwargs["participant"] = Participant(invitation_id=invitation.pk, user_id=other_invitation.user_id)
    elif case == "foreign_key_action":
        key_action = KeyAction.objects.create(rubric=other, position=1, title="K")
        kwargs["level_id"] = Level.objects.create(rubric=other, position=1, name="L").pk
    elif case == "foreign_level":
        kwargs["level_id"] = Level.objects.create(rubric=other, position=1, name="L").pk
    elif case == "nobody":
        kwargs["participant"] = Participant()
    assert autosave(invitation, key_action, **kwargs) is None
    rating = Rating.objects.get()
    assert (rating.level.position, rating.evidence) == (1, "Before")


def test_submit_needs_every_key_action_then_happens_once(open_round):
    (invitation,) = invite(open_round)
    with pytest.raises(ValidationError, match="9 still open"):
        response_submit(invitation=invitation)
    answer_all(invitation, not_sure_first=True)
    response = response_submit(invitation=invitation)
    assert response.submitted_at is not None
    with pytest.raises(StateConflict):
        response_submit(invitation=invitation)
    assert Response.objects.get().submitted_at == response.submitted_at


def test_progress_counts_paper_respondents_beside_invitations(open_round, facilitator):
    invite(open_round)
    advocate = StakeholderGroup.objects.get(organization=open_round.organization, name="Advocate")
    Response.objects.create(
        round=open_round,
        respondent_code="P-001",
        stakeholder_group=advocate,
        entered_by_proxy=True,
        entered_by=facilitator,
        submitted_at=timezone.now(),
    )
    groups, total = round_progress(round=open_round)
    by_label = {group.label: group for group in groups}
    assert (by_label["Advocate"].invited, by_label["Advocate"].on_paper) == (0, 1)
    assert (total.invited, total.on_paper) == (1, 1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_autosave_is_a_statement_postgresql_plans_once_per_connection(answered):
    invitation, key_action = answered
    autosave(invitation, key_action)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%INSERT INTO assessments_rating%"]
        )
        assert cursor.fetchone()[0] >= 1
