"""The audit trail (issue 14, item 5): one event per change, written by the change's own service in its
transaction, so a change refused or rolled back leaves none; the facilitators' page and its CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from assessments.exceptions import StateConflict
from assessments.invitations.services import invitation_resend, invitation_revoke
from assessments.paper.checks import PaperAnswer
from assessments.paper.parsing import parse_csv
from assessments.paper.services import paper_ratings_import, paper_response_create
from assessments.planning.services import (
    action_plan_set_target,
    action_step_add,
    action_step_delete,
    action_step_update,
    consensus_record,
)
from assessments.rating.services import response_submit
from assessments.reports.services import report_request
from assessments.results.services import round_set_results_revealed
from assessments.rounds.services import round_close, round_open, round_reopen, round_update
from assessments.tests.factories import RoundFactory, answer_all, invite, lbc_rubrics
from convening.audit.services import audit_events_expire, audit_record
from convening.models import AuditEvent, AuditKind
from convening.tests.factories import MembershipFactory, OrganizationFactory, TeamFactory, UserFactory
from rubrics.models import KeyAction

pytestmark = pytest.mark.django_db

CAE, BSD = "creating-active-engagement", "building-support-through-data"
PAPER_HEADER = "respondent,group,rubric,key_action,level,evidence"


def kinds() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("kind", flat=True))


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-id")[0]


def paper_rows(code: str, level: str = "2") -> list[str]:
    slugs = [(CAE, k) for k in range(1, 6)] + [(BSD, k) for k in range(1, 5)]
    return [f"{code},Family,{slug},{position},{level},Evidence {code}" for slug, position in slugs]


@pytest.fixture
def closed_round(open_round, facilitator):
    invitations = invite(
        open_round,
        *[UserFactory() for _ in range(5)],
        group=open_round.organization.stakeholder_groups.get(name="Family"),
    )
    for invitation in invitations:
        answer_all(invitation)
        response_submit(invitation=invitation)
    round_close(round=open_round, by=facilitator)
    return open_round


def test_a_round_s_life_is_on_the_trail_with_who_did_it(team, facilitator):
    round_ = RoundFactory(team=team, created_by=facilitator)
    assert kinds() == [AuditKind.ROUND_CREATED]
    assert last_event().actor == facilitator and last_event().actor_email == facilitator.email
    assert last_event().round_id == round_.pk and last_event().summary == round_.name

    round_update(
        round=round_,
        name="Spring listening",
        rubrics=lbc_rubrics(),
        opens_at=round_.opens_at,
        closes_at=round_.closes_at,
        threshold=round_.threshold,
        share_results=False,
        reminder_days_before=None,
        by=facilitator,
    )
    invite(round_, UserFactory(), UserFactory())
    round_open(round=round_, by=facilitator)
    assert last_event().summary == "Spring listening · 2 invitations sent"
    round_set_results_revealed(round=round_, revealed=True, by=facilitator)
    round_close(round=round_, by=facilitator)
    round_reopen(round=round_, closes_at=timezone.now() + timedelta(days=3), by=facilitator)
    assert kinds() == [
        AuditKind.ROUND_CREATED,
        AuditKind.ROUND_EDITED,
        AuditKind.INVITATIONS_ADDED,
        AuditKind.ROUND_OPENED,
        AuditKind.RESULTS_REVEALED,
        AuditKind.ROUND_CLOSED,
        AuditKind.ROUND_REOPENED,
    ]
    assert AuditEvent.objects.filter(actor=facilitator).count() == 6  # the factory's invitations name no one


def test_what_the_schedule_does_is_recorded_as_nobody(draft):
    from assessments.rounds.services import rounds_open_due

    AuditEvent.objects.all().delete()
    assert rounds_open_due(now=draft.opens_at + timedelta(minutes=1)) == [draft.pk]
    event = last_event()
    assert event.kind == AuditKind.ROUND_OPENED and event.actor is None and event.actor_email == ""


def test_invitations_revoked_and_sent_again_name_the_address(open_round, facilitator):
    person = UserFactory(email="parent@example.org")
    (invitation,) = invite(open_round, person)
    invitation_resend(invitation=invitation, new_link=True, by=facilitator)
    assert last_event().kind == AuditKind.INVITATION_RESENT
    assert last_event().summary.endswith("parent@example.org, with a new link")
    invitation_revoke(invitation=invitation, by=facilitator)
    event = last_event()
    assert (event.kind, event.subject_type, event.subject_id) == (
        AuditKind.INVITATION_REVOKED,
        "invitation",
        invitation.pk,
    )


def test_paper_forms_are_recorded_by_code_and_count_never_by_their_answers(open_round, org, facilitator):
    answers = [
        PaperAnswer(
            key_action_id=ka.pk,
            level_id=ka.rubric.levels.get(position=3).pk,
            not_sure=False,
            evidence="Secret evidence",
        )
        for ka in KeyAction.objects.filter(rubric__round_rubrics__round=open_round)
    ]
    paper_response_create(
        round=open_round,
        respondent_code="P-7",
        stakeholder_group=org.stakeholder_groups.get(name="Family"),
        answers=answers,
        entered_by=facilitator,
    )
    assert last_event().kind == AuditKind.PAPER_ENTERED
    assert last_event().summary == f"{open_round.name} · respondent code P-7"
    text = "\n".join([PAPER_HEADER, *paper_rows("P-8"), *paper_rows("P-9")]) + "\n"
    paper_ratings_import(round=open_round, rows=parse_csv(text), entered_by=facilitator)
    assert last_event().kind == AuditKind.PAPER_UPLOADED
    assert last_event().summary == f"{open_round.name} · 2 paper forms"
    summaries = " ".join(AuditEvent.objects.values_list("summary", flat=True))
    assert "Evidence" not in summaries and "Secret" not in summaries and "Collaborating" not in summaries


def test_consensus_targets_and_steps_are_recorded(closed_round, facilitator):
    key_action = KeyAction.objects.filter(rubric__slug=CAE).order_by("position").first()
    level = key_action.rubric.levels.get(position=2)
    consensus_record(round=closed_round, key_action=key_action, level=level, rationale="", recorded_by=facilitator)
    action_plan_set_target(round=closed_round, key_action=key_action, target_level=level, by=facilitator)
    step = action_step_add(round=closed_round, key_action=key_action, description="Call the families", by=facilitator)
    action_step_update(
        step=step, description="Call every family", owner="", due_date=None, status="open", by=facilitator
    )
    action_step_delete(step=step, by=facilitator)
    assert kinds()[-5:] == [
        AuditKind.CONSENSUS_RECORDED,
        AuditKind.PLAN_CHANGED,
        AuditKind.STEP_ADDED,
        AuditKind.STEP_CHANGED,
        AuditKind.STEP_DELETED,
    ]
    assert last_event().summary.endswith(f"{key_action.title}: Call every family")


def test_a_report_asked_for_is_recorded_once_per_file_made(
    closed_round, facilitator, django_capture_on_commit_callbacks
):
    report_request(round=closed_round, requested_by=facilitator)
    assert last_event().kind == AuditKind.EXPORT_MADE and last_event().summary.endswith("PDF report")


def test_exports_made_through_the_site_are_recorded(client, closed_round, lead):
    client.force_login(lead)
    before = AuditEvent.objects.count()
    response = client.get(reverse("assessments:export_results_csv", args=[closed_round.pk]))
    assert response.status_code == 200
    assert AuditEvent.objects.count() == before + 1
    assert (last_event().kind, last_event().actor) == (AuditKind.EXPORT_MADE, lead)


def test_opening_through_the_site_records_the_facilitator(client, draft, facilitator):
    client.force_login(facilitator)
    draft.opens_at = timezone.now()
    response = client.post(reverse("assessments:round_open", args=[draft.pk]))
    assert response.status_code == 302
    assert (last_event().kind, last_event().actor) == (AuditKind.ROUND_OPENED, facilitator)


# Refused or rolled back: no event


def test_a_refused_change_leaves_no_event(open_round, facilitator):
    before = AuditEvent.objects.count()
    with pytest.raises(StateConflict):
        round_open(round=open_round, by=facilitator)  # already open
    with pytest.raises(StateConflict):
        round_reopen(round=open_round, closes_at=timezone.now() + timedelta(days=1), by=facilitator)
    bad = "\n".join([PAPER_HEADER, *paper_rows("P-1", level="9")]) + "\n"
    with pytest.raises(ValidationError):
        paper_ratings_import(round=open_round, rows=parse_csv(bad), entered_by=facilitator)
    assert AuditEvent.objects.count() == before


def test_an_event_rolls_back_with_its_change(open_round, facilitator):
    before = AuditEvent.objects.count()

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        round_close(round=open_round, by=facilitator)
        raise Boom
    open_round.refresh_from_db()
    assert open_round.status == "open"
    assert AuditEvent.objects.count() == before


# Serialized like the suite's other transactional tests: its flush then leaves the content types to the next
# one's restore, instead of making them again (which the restore would duplicate).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_event_cannot_be_written_outside_a_transaction():
    organization = OrganizationFactory()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(organization=organization, by=None, kind=AuditKind.ROUND_EDITED, summary="x")
    assert not AuditEvent.objects.exists()


# Retention


def test_events_older_than_each_organization_s_retention_are_deleted(org, facilitator):
    other = OrganizationFactory(audit_retention_days=30)
    now = timezone.now()
    with transaction.atomic():
        for organization, age in [(org, 100), (org, 800), (other, 10), (other, 40)]:
            event = audit_record(organization=organization, by=None, kind=AuditKind.ROUND_EDITED, summary=f"{age}")
            AuditEvent.objects.filter(pk=event.pk).update(created_at=now - timedelta(days=age))
    assert audit_events_expire(now=now) == 2
    assert sorted(AuditEvent.objects.values_list("summary", flat=True)) == ["10", "100"]
    assert audit_events_expire(now=now) == 0


# The page


def test_the_trail_is_for_facilitators(client, org, facilitator, lead, stakeholder, outsider):
    url = reverse("assessments:audit_trail")
    assert client.get(url).status_code == 302
    for person, status in [(stakeholder, 403), (lead, 403), (facilitator, 200)]:
        client.force_login(person)
        assert client.get(url).status_code == status, person
        assert client.get(reverse("assessments:audit_trail_csv")).status_code == status


def test_another_organization_s_events_never_show(client, team, facilitator, outsider):
    RoundFactory(team=team, name="Ours", created_by=facilitator)
    other_team = TeamFactory(organization=outsider.memberships.get().organization)
    RoundFactory(team=other_team, name="Theirs", created_by=outsider)
    client.force_login(facilitator)
    page = client.get(reverse("assessments:audit_trail")).content.decode()
    assert "Ours" in page and "Theirs" not in page
    csv_text = b"".join(client.get(reverse("assessments:audit_trail_csv")).streaming_content).decode()
    assert "Ours" in csv_text and "Theirs" not in csv_text


def test_the_trail_filters_by_round_person_and_kind(client, team, facilitator, org):
    colleague = UserFactory(email="colleague@example.org")
    MembershipFactory(organization=org, user=colleague, role="facilitator")
    first = RoundFactory(team=team, name="First round", created_by=facilitator)
    RoundFactory(team=team, name="Second round", created_by=colleague)
    round_open(round=first, by=None)
    client.force_login(facilitator)
    url = reverse("assessments:audit_trail")

    def shown(**query):
        response = client.get(url, query)
        assert response.status_code == 200
        return [event.summary for event, _name in response.context["rows"]]

    assert shown(round=first.pk) == ["First round · 0 invitations sent", "First round"]
    assert shown(person="colleague@example.org") == ["Second round"]
    assert shown(person="schedule") == ["First round · 0 invitations sent"]
    assert shown(kind=AuditKind.ROUND_CREATED) == ["Second round", "First round"]
    refused = client.get(url, {"kind": "made.up"})
    assert refused.status_code == 400 and "Select a valid choice" in refused.content.decode()
    assert len(refused.context["rows"]) == 3  # a refused filter filters nothing


def test_the_trail_is_paginated_and_its_csv_is_the_whole_filtered_trail(client, org, facilitator):
    with transaction.atomic():
        for number in range(120):
            audit_record(organization=org, by=facilitator, kind=AuditKind.ROUND_EDITED, summary=f"=event {number}")
    client.force_login(facilitator)
    page = client.get(reverse("assessments:audit_trail"), {"page": 3})
    assert len(page.context["rows"]) == 20
    response = client.get(reverse("assessments:audit_trail_csv"), {"kind": AuditKind.ROUND_EDITED})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))
    assert rows[0][0] == "When" and len(rows) == 121
    assert rows[1][1] == facilitator.email and rows[1][6] == "'=event 119"  # a formula is written as text
    assert last_event().kind == AuditKind.EXPORT_MADE and last_event().subject_type == "audit"


def test_the_trail_costs_the_same_queries_for_5_events_or_60(client, team, facilitator, django_assert_num_queries):
    client.force_login(facilitator)
    url = reverse("assessments:audit_trail")

    def make(count):
        for _ in range(count):
            RoundFactory(team=team, created_by=facilitator)

    make(5)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    make(55)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


# Teams, their members and stakeholder groups


def test_teams_members_and_groups_are_on_the_trail(org, facilitator):
    from assessments.groups.services import stakeholder_group_merge
    from convening import people_csv
    from convening import services as convening_services

    team = convening_services.team_create(organization=org, name="Early years", by=facilitator)
    convening_services.team_update(team=team, name="Early years team", description="", by=facilitator)
    family = org.stakeholder_groups.get(name="Family")
    member, _added = convening_services.team_member_add(
        team=team, email="ana@example.org", name="Ana", stakeholder_group=family, by=facilitator
    )
    convening_services.team_member_update_group(
        member=member, stakeholder_group=org.stakeholder_groups.get(name="Educator"), by=facilitator
    )
    convening_services.team_members_import(
        team=team, rows=people_csv.parse("Ben,ben@example.org,Family\n"), by=facilitator
    )
    convening_services.team_member_remove(member=member, by=facilitator)
    group = convening_services.stakeholder_group_create(organization=org, name="Tribal", by=facilitator)
    convening_services.stakeholder_group_rename(group=group, name="Tribal nations", by=facilitator)
    spare = convening_services.stakeholder_group_create(organization=org, name="Spare", by=facilitator)
    convening_services.stakeholder_group_delete(group=spare, by=facilitator)
    stakeholder_group_merge(group=group, into=family, by=facilitator)

    summaries = list(AuditEvent.objects.order_by("id").values_list("kind", "summary"))
    assert summaries == [
        (AuditKind.TEAM_CHANGED, "Early years: created"),
        (AuditKind.TEAM_CHANGED, "Early years team: name or description changed"),
        (AuditKind.TEAM_CHANGED, "Early years team: ana@example.org added (Family)"),
        (AuditKind.TEAM_CHANGED, "Early years team: ana@example.org now in Educator"),
        (AuditKind.TEAM_CHANGED, "Early years team: 1 person added from a list"),
        (AuditKind.TEAM_CHANGED, "Early years team: ana@example.org removed"),
        (AuditKind.GROUP_CHANGED, "Tribal: added"),
        (AuditKind.GROUP_CHANGED, "Tribal: renamed Tribal nations"),
        (AuditKind.GROUP_CHANGED, "Spare: added"),
        (AuditKind.GROUP_CHANGED, "Spare: deleted"),
        (AuditKind.GROUP_CHANGED, "Tribal nations: merged into Family"),
    ]
    assert set(AuditEvent.objects.values_list("actor", flat=True)) == {facilitator.pk}


def test_a_group_refused_deletion_leaves_no_event(org, team, facilitator):
    from convening import services as convening_services

    family = org.stakeholder_groups.get(name="Family")
    convening_services.team_member_add(team=team, email="c@example.org", name="", stakeholder_group=family)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        convening_services.stakeholder_group_delete(group=family, by=facilitator)
    assert AuditEvent.objects.count() == before


def test_the_demo_s_events_say_they_are_the_demo_s(db):
    from django.core.management import call_command
    from django.test import override_settings

    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())
    automatic = AuditEvent.objects.filter(actor__isnull=True)
    assert automatic.exists()
    assert set(automatic.values_list("actor_email", flat=True)) == {"demo data (manage.py seed_demo)"}
