from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from assessments import services, tokens
from assessments.models import Invitation, MessageKind, MessageStatus, Rating, Response, Round, RoundStatus, SentMessage
from assessments.selectors import round_progress
from assessments.tests.factories import RoundFactory, invite, lbc_rubrics
from convening.models import StakeholderGroup
from convening.tests.factories import OrganizationFactory, TeamFactory
from rubrics.models import KeyAction, Level, Rubric

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(org):
    return TeamFactory(organization=org, name="SSIP stakeholder team")


@pytest.fixture
def draft(team):
    return RoundFactory(team=team, opens_at=timezone.now() + timedelta(days=1))


@pytest.fixture
def open_round(team):
    round_ = RoundFactory(team=team)
    services.round_open(round=round_)
    return round_


def answer_all(invitation, *, not_sure_first=False):
    for i, key_action in enumerate(KeyAction.objects.filter(rubric__round_rubrics__round=invitation.round)):
        level = key_action.rubric.levels.get(position=1 + i % 4)
        services.rating_save(
            invitation=invitation,
            key_action_id=key_action.pk,
            level_id=None if (not_sure_first and i == 0) else level.pk,
            not_sure=not_sure_first and i == 0,
            evidence="",
        )


# Creating and editing rounds


def test_round_create_attaches_and_freezes_rubrics(team):
    custom = Rubric.objects.create(organization=team.organization, slug="x", title="X", row_heading="R")
    round_ = RoundFactory(team=team, rubrics=[*lbc_rubrics(), custom])
    assert list(round_.rubrics.order_by("round_rubrics__position")) == [*lbc_rubrics(), custom]
    custom.refresh_from_db()
    assert custom.frozen
    assert round_.status == RoundStatus.DRAFT
    assert round_.organization_id == team.organization_id


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"threshold": 2}, "threshold"),
        ({"rubrics": []}, "rubrics"),
        ({"closes_at": timezone.now() - timedelta(days=3)}, "closes_at"),
    ],
)
def test_round_create_refuses_bad_input_and_saves_nothing(team, change, field):
    fields = {
        "team": team,
        "name": "Spring",
        "rubrics": lbc_rubrics(),
        "opens_at": timezone.now(),
        "closes_at": timezone.now() + timedelta(days=3),
        "threshold": 5,
    } | change
    with pytest.raises(ValidationError) as error:
        services.round_create(**fields)
    assert field in error.value.message_dict
    assert Round.objects.count() == 0


def test_round_create_refuses_another_organizations_rubric(team):
    foreign = Rubric.objects.create(organization=OrganizationFactory(), slug="f", title="F", row_heading="R")
    with pytest.raises(ValidationError):
        RoundFactory(team=team, rubrics=[foreign])
    assert Round.objects.count() == 0
    foreign.refresh_from_db()
    assert not foreign.frozen


def test_rubrics_and_threshold_are_fixed_once_ratings_exist(open_round):
    (invitation,) = invite(open_round)
    answer_all(invitation)
    fields = {
        "name": "Renamed",
        "opens_at": open_round.opens_at,
        "closes_at": open_round.closes_at,
        "share_results": True,
        "reminder_days_before": 2,
    }
    with pytest.raises(ValidationError, match="cannot change once ratings exist"):
        services.round_update(round=open_round, rubrics=lbc_rubrics()[:1], threshold=5, **fields)
    with pytest.raises(ValidationError, match="cannot change once ratings exist"):
        services.round_update(round=open_round, rubrics=lbc_rubrics(), threshold=7, **fields)
    open_round.refresh_from_db()
    assert (open_round.name, open_round.threshold, open_round.rubrics.count()) == (open_round.name, 5, 2)
    # Everything else may still change.
    services.round_update(round=open_round, rubrics=lbc_rubrics(), threshold=5, **fields)
    open_round.refresh_from_db()
    assert (open_round.name, open_round.share_results) == ("Renamed", True)


# Status transitions


def test_open_close_reopen(draft):
    services.round_open(round=draft)
    assert draft.status == RoundStatus.OPEN and draft.opened_at
    services.round_close(round=draft)
    assert draft.status == RoundStatus.CLOSED and draft.closed_at
    new_close = timezone.now() + timedelta(days=2)
    services.round_reopen(round=draft, closes_at=new_close)
    assert draft.status == RoundStatus.OPEN and draft.closes_at == new_close and draft.closed_at is None


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (RoundStatus.OPEN, "round_open"),
        (RoundStatus.CLOSED, "round_open"),
        (RoundStatus.DRAFT, "round_close"),
        (RoundStatus.CLOSED, "round_close"),
    ],
)
def test_forbidden_transitions_change_nothing(draft, status, action):
    Round.objects.filter(pk=draft.pk).update(status=status)
    draft.refresh_from_db()
    with pytest.raises(services.StateConflict):
        getattr(services, action)(round=draft)
    draft.refresh_from_db()
    assert draft.status == status


@pytest.mark.parametrize("status", [RoundStatus.DRAFT, RoundStatus.OPEN])
def test_only_a_closed_round_reopens(draft, status):
    Round.objects.filter(pk=draft.pk).update(status=status)
    with pytest.raises(services.StateConflict):
        services.round_reopen(round=draft, closes_at=timezone.now() + timedelta(days=1))


def test_reopen_needs_a_future_closing_date(open_round):
    services.round_close(round=open_round)
    with pytest.raises(ValidationError):
        services.round_reopen(round=open_round, closes_at=timezone.now() - timedelta(minutes=1))
    open_round.refresh_from_db()
    assert open_round.status == RoundStatus.CLOSED


def test_beat_opens_and_closes_at_the_dates_exactly_once(team):
    now = timezone.now()
    due = RoundFactory(team=team, opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=1))
    later = RoundFactory(team=team, opens_at=now + timedelta(hours=1), closes_at=now + timedelta(days=1))
    assert services.rounds_open_due(now=now) == [due.pk]
    assert services.rounds_open_due(now=now) == []  # a second tick finds nothing to do
    assert services.rounds_close_due(now=now) == []
    assert services.rounds_close_due(now=now + timedelta(days=1)) == [due.pk]
    assert services.rounds_close_due(now=now + timedelta(days=1)) == []
    later.refresh_from_db()
    due.refresh_from_db()
    assert (later.status, due.status) == (RoundStatus.DRAFT, RoundStatus.CLOSED)


def test_a_stale_copy_cannot_open_a_round_twice(draft):
    stale = Round.objects.get(pk=draft.pk)
    services.round_open(round=draft)
    with pytest.raises(services.StateConflict):
        services.round_open(round=stale)


def test_automatic_reminder_goes_once_to_those_who_have_not_submitted(team, django_capture_on_commit_callbacks):
    now = timezone.now()
    round_ = RoundFactory(team=team, closes_at=now + timedelta(days=2), reminder_days_before=3)
    services.round_open(round=round_)
    done, pending = invite(round_), invite(round_)
    answer_all(done[0])
    services.response_submit(invitation=done[0])
    SentMessage.objects.all().delete()
    assert services.rounds_remind_due(now=now) == [round_.pk]
    assert services.rounds_remind_due(now=now) == []
    assert list(SentMessage.objects.values_list("invitation_id", "kind")) == [(pending[0].pk, MessageKind.REMINDER)]


def test_automatic_reminder_waits_for_its_day(team):
    now = timezone.now()
    round_ = RoundFactory(team=team, closes_at=now + timedelta(days=5), reminder_days_before=3)
    services.round_open(round=round_)
    assert services.rounds_remind_due(now=now) == []


# Invitations and links


def test_invitations_are_never_doubled(open_round):
    (invitation,) = invite(open_round)
    again = services.invitations_create(
        round=open_round,
        invitees=[services.Invitee(user=invitation.user, stakeholder_group=invitation.stakeholder_group)],
    )
    assert again == []
    assert Invitation.objects.count() == 1


def test_the_link_token_is_long_random_and_stored_only_hashed(open_round):
    (invitation,) = invite(open_round)
    token = tokens.make_token(invitation.pk, invitation.token_nonce)
    assert len(bytes.fromhex(token)) * 8 >= 128
    assert len(invitation.token_nonce) * 4 == 128
    assert token not in {invitation.token_hash, invitation.token_nonce}
    assert services.invitation_from_token(token=token) == invitation


def test_link_dies_when_revoked_or_closed_or_replaced(open_round):
    first, second = invite(open_round), invite(open_round)
    token_1 = tokens.make_token(first[0].pk, first[0].token_nonce)
    services.invitation_revoke(invitation=first[0])
    assert services.invitation_from_token(token=token_1) is None
    with pytest.raises(services.StateConflict):
        services.invitation_revoke(invitation=first[0])

    token_2 = tokens.make_token(second[0].pk, second[0].token_nonce)
    services.invitation_resend(invitation=second[0], new_link=True)
    assert services.invitation_from_token(token=token_2) is None
    second[0].refresh_from_db()
    fresh = tokens.make_token(second[0].pk, second[0].token_nonce)
    assert services.invitation_from_token(token=fresh) == second[0]
    services.round_close(round=open_round)
    assert services.invitation_from_token(token=fresh) is None


def test_unknown_tokens_find_nothing(open_round):
    invite(open_round)
    assert services.invitation_from_token(token="0" * 64) is None
    assert services.invitation_from_token(token="") is None


def test_invitation_to_a_closed_round_is_refused(open_round):
    services.round_close(round=open_round)
    with pytest.raises(services.StateConflict):
        invite(open_round)


# E-mail


def test_opening_sends_each_invitation_once(draft, django_capture_on_commit_callbacks):
    invite(draft)
    invite(draft)
    assert mail.outbox == []  # a draft sends nothing yet
    with django_capture_on_commit_callbacks(execute=True):
        services.round_open(round=draft)
    assert len(mail.outbox) == 2
    assert SentMessage.objects.filter(status=MessageStatus.SENT, kind=MessageKind.INVITATION).count() == 2
    message = mail.outbox[0]
    invitation = Invitation.objects.get(user__email=message.to[0])
    assert services.invitation_link_path(invitation) in message.body
    assert message.alternatives and services.invitation_link_path(invitation) in message.alternatives[0][0]


def test_delivery_is_idempotent(open_round, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (invitation,) = invite(open_round)
    message = SentMessage.objects.get(invitation=invitation)
    assert len(mail.outbox) == 1
    assert services.message_deliver(message_id=message.pk) is False  # a redelivered task sends nothing
    assert len(mail.outbox) == 1


def test_invitation_mail_is_in_the_invitees_language(open_round, django_capture_on_commit_callbacks):
    (invitation,) = invite(open_round)
    invitation.user.language = "es"
    invitation.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(invitation=invitation)
    assert "Hola" in mail.outbox[-1].body


def test_remind_reaches_only_those_not_submitted(open_round, django_capture_on_commit_callbacks):
    done, pending = invite(open_round), invite(open_round)
    answer_all(done[0])
    services.response_submit(invitation=done[0])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.round_remind(round=open_round) == 1
    assert [m.to for m in mail.outbox] == [[pending[0].user.email]]


def test_closing_thanks_everyone(open_round, django_capture_on_commit_callbacks):
    invite(open_round)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.round_close(round=open_round)
    assert len(mail.outbox) == 1
    assert SentMessage.objects.filter(kind=MessageKind.ROUND_CLOSED).count() == 1


# Rating


def test_rating_save_creates_then_updates_one_row(open_round):
    (invitation,) = invite(open_round)
    key_action = KeyAction.objects.filter(rubric__in=open_round.rubrics.all()).first()
    level_1, level_3 = (key_action.rubric.levels.get(position=p) for p in (1, 3))
    services.rating_save(
        invitation=invitation, key_action_id=key_action.pk, level_id=level_1.pk, not_sure=False, evidence=""
    )
    services.rating_save(
        invitation=invitation, key_action_id=key_action.pk, level_id=level_3.pk, not_sure=False, evidence=" We meet "
    )
    rating = Rating.objects.get()
    assert (rating.level, rating.evidence) == (level_3, "We meet")
    assert Response.objects.count() == 1


def test_evidence_may_come_before_the_level(open_round):
    (invitation,) = invite(open_round)
    key_action = KeyAction.objects.filter(rubric__in=open_round.rubrics.all()).first()
    services.rating_save(
        invitation=invitation, key_action_id=key_action.pk, level_id=None, not_sure=False, evidence="Notes"
    )
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
        services.rating_save(invitation=invitation, evidence=evidence, **fields)
    assert Rating.objects.count() == 0


def test_no_rating_once_closed_or_revoked(open_round):
    first, second = invite(open_round), invite(open_round)
    key_action = KeyAction.objects.filter(rubric__in=open_round.rubrics.all()).first()
    services.invitation_revoke(invitation=first[0])
    first[0].refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.rating_save(
            invitation=first[0], key_action_id=key_action.pk, level_id=None, not_sure=True, evidence=""
        )
    services.round_close(round=open_round)
    second[0].round.refresh_from_db()
    with pytest.raises(services.StateConflict):
        services.rating_save(
            invitation=second[0], key_action_id=key_action.pk, level_id=None, not_sure=True, evidence=""
        )
    assert Rating.objects.count() == 0


@pytest.fixture
def answered(open_round):
    """An invitee who has answered once (so the response exists and autosave
    takes its one-statement path), and that answer."""
    (invitation,) = invite(open_round)
    key_action = KeyAction.objects.filter(rubric__in=open_round.rubrics.all()).order_by("pk").first()
    level = key_action.rubric.levels.get(position=1)
    services.rating_save(
        invitation=invitation, key_action_id=key_action.pk, level_id=level.pk, not_sure=False, evidence="Before"
    )
    return invitation, key_action


def autosave(invitation, key_action, *, participant=None, round_id=None, **answer):
    fields = {"not_sure": False, "evidence": "After"}
    if "level_id" not in answer:
        fields["level_id"] = key_action.rubric.levels.get(position=3).pk
    return services.rating_autosave(
        participant=participant or services.Participant((invitation.pk,)),
        round_id=round_id or invitation.round_id,
        key_action_id=key_action.pk,
        **{**fields, **answer},
    )


def test_autosave_revises_an_answer_for_a_link_or_an_account_and_counts_progress(answered):
    invitation, key_action = answered
    total = KeyAction.objects.filter(rubric__round_rubrics__round=invitation.round).count()
    assert autosave(invitation, key_action) == (1, total)
    assert Rating.objects.get().evidence == "After"
    by_account = services.Participant((), user_id=invitation.user_id)
    assert autosave(invitation, key_action, participant=by_account, not_sure=True, level_id=None, evidence="") == (
        1,
        total,
    )
    rating = Rating.objects.get()
    assert (rating.level_id, rating.not_sure, rating.evidence) == (None, True, "")
    second = KeyAction.objects.filter(rubric__round_rubrics__round=invitation.round).exclude(pk=key_action.pk).first()
    assert autosave(invitation, second, level_id=None, evidence="Notes only") == (1, total)  # not rated yet
    assert autosave(invitation, second, level_id=None, not_sure=True) == (2, total)


@pytest.mark.parametrize(
    "case", ["revoked", "closed", "other_round", "other_person", "foreign_key_action", "foreign_level", "nobody"]
)
def test_autosave_writes_nothing_when_a_rule_is_broken(answered, case):
    invitation, key_action = answered
    round_ = invitation.round
    other_round = RoundFactory(team=round_.team)
    services.round_open(round=other_round)
    (other_invitation,) = invite(other_round)
    other = Rubric.objects.create(organization=round_.organization, slug="other", title="O", row_heading="R")
    kwargs = {}
    if case == "revoked":
        services.invitation_revoke(invitation=invitation)
    elif case == "closed":
        services.round_close(round=round_)
    elif case == "other_round":  # a link to another round does not open this one
        kwargs["participant"] = services.Participant((other_invitation.pk,))
    elif case == "other_person":
        kwargs["participant"] = services.Participant((), user_id=other_invitation.user_id)
    elif case == "foreign_key_action":
        key_action = KeyAction.objects.create(rubric=other, position=1, title="K")
        kwargs["level_id"] = Level.objects.create(rubric=other, position=1, name="L").pk
    elif case == "foreign_level":
        kwargs["level_id"] = Level.objects.create(rubric=other, position=1, name="L").pk
    elif case == "nobody":
        kwargs["participant"] = services.Participant(())
    assert autosave(invitation, key_action, **kwargs) is None
    rating = Rating.objects.get()
    assert (rating.level.position, rating.evidence) == (1, "Before")


def test_submit_needs_every_key_action_then_happens_once(open_round):
    (invitation,) = invite(open_round)
    with pytest.raises(ValidationError, match="9 still open"):
        services.response_submit(invitation=invitation)
    answer_all(invitation, not_sure_first=True)
    response = services.response_submit(invitation=invitation)
    assert response.submitted_at is not None
    with pytest.raises(services.StateConflict):
        services.response_submit(invitation=invitation)
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
    groups, total = round_progress(round_=open_round)
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
