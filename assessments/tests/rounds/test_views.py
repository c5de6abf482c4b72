"""Facilitators' round pages through HTTP: who may open what, the round form
(time zone, bad input), each state change, and query counts that do not grow
with the number of people invited."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.invitations.services import invitation_revoke
from assessments.models import Invitation, MessageKind, Round, RoundStatus, SentMessage
from assessments.rating.services import rating_save, response_submit
from assessments.rounds.services import round_close, round_open
from assessments.tests.factories import RoundFactory, invite, lbc_rubrics
from convening.tests.factories import TeamFactory, TeamMemberFactory, UserFactory
from rubrics.models import KeyAction, Rubric

pytestmark = pytest.mark.django_db

ANON, OUTSIDER, STAKEHOLDER, LEAD, FACILITATOR = "anonymous", "outsider", "stakeholder", "lead", "facilitator"
PERSONAS = [ANON, OUTSIDER, STAKEHOLDER, LEAD, FACILITATOR]
LOCAL = "%Y-%m-%dT%H:%M"


def local(moment: datetime) -> str:
    """A moment as typed into a datetime-local input (the organization's zone is UTC here)."""
    return moment.astimezone(UTC).strftime(LOCAL)


@pytest.fixture
def team(org):
    return TeamFactory(organization=org, name="SSIP stakeholder team")


@pytest.fixture
def groups(org):
    return {group.name: group for group in org.stakeholder_groups.all()}


@pytest.fixture
def draft(team):
    return RoundFactory(team=team, name="Spring 2027")


@pytest.fixture
def open_round(team):
    round_ = RoundFactory(team=team, name="Winter 2026")
    round_open(round=round_)
    return round_


@pytest.fixture
def closed_round(team):
    round_ = RoundFactory(team=team, name="Autumn 2026")
    round_open(round=round_)
    round_close(round=round_)
    return round_


def form_data(**changes):
    now = timezone.now()
    data = {
        "name": "Spring 2027",
        "rubrics": [rubric.pk for rubric in lbc_rubrics()],
        "opens_at": local(now + timedelta(days=1)),
        "closes_at": local(now + timedelta(days=15)),
        "threshold": "5",
        "reminder_days_before": "",
        "invite_team": "on",
    }
    return data | changes


def answer(invitation, *, submit=False, evidence=""):
    """Rates every key action of the round (or the first only, when not submitting)."""
    key_actions = KeyAction.objects.filter(rubric__round_rubrics__round=invitation.round)
    for key_action in key_actions if submit else key_actions[:1]:
        level = key_action.rubric.levels.get(position=2)
        rating_save(
            invitation=invitation, key_action_id=key_action.pk, level_id=level.pk, not_sure=False, evidence=evidence
        )
    if submit:
        response_submit(invitation=invitation)


# Who may open what ----------------------------------------------------------------

# view name, method, the round it is about, then the expected status for each of PERSONAS
MATRIX = [
    ("round_list", "get", None, 302, 404, 403, 200, 200),
    ("round_create", "get", None, 302, 404, 403, 403, 200),
    ("round_detail", "get", "draft", 302, 404, 403, 200, 200),
    ("round_edit", "get", "draft", 302, 404, 403, 403, 200),
    ("round_open", "get", "draft", 302, 404, 403, 403, 200),
    ("round_open", "post", "draft", 302, 404, 403, 403, 302),
    ("round_close", "get", "open", 302, 404, 403, 403, 200),
    ("round_close", "post", "open", 302, 404, 403, 403, 302),
    ("round_reopen", "post", "closed", 302, 404, 403, 403, 302),
    ("round_remind", "post", "open", 302, 404, 403, 403, 302),
    ("invitations_add", "get", "draft", 302, 404, 403, 403, 200),
    ("invitation_revoke", "get", "open", 302, 404, 403, 403, 200),
    ("invitation_revoke", "post", "open", 302, 404, 403, 403, 302),
    ("invitation_resend", "post", "open", 302, 404, 403, 403, 302),
]
CASES = [
    pytest.param(view, method, state, persona, expected, id=f"{view}-{method}-{persona}")
    for view, method, state, *statuses in MATRIX
    for persona, expected in zip(PERSONAS, statuses, strict=True)
]


@pytest.fixture
def request_for(team, draft, open_round, closed_round):
    rounds = {"draft": draft, "open": open_round, "closed": closed_round}

    def build(view, state):
        if state is None:
            return reverse(f"assessments:{view}", args=[team.pk]), {}
        round_ = rounds[state]
        if view.startswith("invitation_"):
            (invitation,) = invite(round_)
            return reverse(f"assessments:{view}", args=[round_.pk, invitation.pk]), {}
        data = {"closes_at": local(timezone.now() + timedelta(days=7))} if view == "round_reopen" else {}
        return reverse(f"assessments:{view}", args=[round_.pk]), data

    return build


@pytest.mark.parametrize(("view", "method", "state", "persona", "expected"), CASES)
def test_permission_matrix(client, request, request_for, view, method, state, persona, expected):
    if persona != ANON:
        client.force_login(request.getfixturevalue(persona))
    url, data = request_for(view, state)
    response = getattr(client, method)(url, data)
    assert response.status_code == expected
    if persona == ANON:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("view", ["round_remind", "round_reopen"])
def test_actions_refuse_get(client, facilitator, draft, view):
    client.force_login(facilitator)
    assert client.get(reverse(f"assessments:{view}", args=[draft.pk])).status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        "/teams/x/rounds/",
        "/teams/1x/rounds/new/",
        "/rounds/abc/",
        "/rounds/1.5/edit/",
        "/rounds/x/open/",
        "/rounds/1/invitations/x/revoke/",
        "/rounds/one/invitations/1/resend/",
    ],
)
def test_non_numeric_ids_answer_404(client, facilitator, url):
    client.force_login(facilitator)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


def test_an_invitation_of_another_round_answers_404(client, facilitator, draft, open_round):
    (invitation,) = invite(open_round)
    client.force_login(facilitator)
    for view in ("invitation_revoke", "invitation_resend"):
        response = client.post(reverse(f"assessments:{view}", args=[draft.pk, invitation.pk]))
        assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert SentMessage.objects.filter(invitation=invitation).count() == 1  # the invitation itself only


# The round form -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("opens", "closes", "opens_utc", "closes_utc"),
    [
        # Central Standard Time, six hours behind UTC
        ("2027-01-12T09:00", "2027-01-26T17:30", (2027, 1, 12, 15, 0), (2027, 1, 26, 23, 30)),
        # Central Daylight Time, five hours behind UTC
        ("2027-07-12T09:00", "2027-07-26T17:30", (2027, 7, 12, 14, 0), (2027, 7, 26, 22, 30)),
    ],
)
def test_dates_are_typed_in_the_organizations_time_zone(
    client, facilitator, org, team, opens, closes, opens_utc, closes_utc
):
    org.time_zone = "America/Chicago"
    org.save()
    client.force_login(facilitator)
    response = client.post(
        reverse("assessments:round_create", args=[team.pk]), form_data(opens_at=opens, closes_at=closes)
    )
    round_ = Round.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:round_detail", args=[round_.pk])
    assert (round_.opens_at, round_.closes_at) == (datetime(*opens_utc, tzinfo=UTC), datetime(*closes_utc, tzinfo=UTC))
    # … and shown back in that zone, whoever looks and whatever the server's zone.
    edit = client.get(reverse("assessments:round_edit", args=[round_.pk]))
    assert f'value="{opens}"' in edit.content.decode()
    assert "America/Chicago" in edit.content.decode()


def test_create_a_round_inviting_the_team(client, facilitator, team, groups):
    members = [TeamMemberFactory(team=team, stakeholder_group=groups[name]) for name in ("Family", "Educator")]
    client.force_login(facilitator)
    form = client.get(reverse("assessments:round_create", args=[team.pk]))
    page = form.content.decode()
    assert 'type="datetime-local"' in page
    assert 'name="invite_team"' in page and "checked" in page
    assert 'value="5"' in page  # the default threshold
    response = client.post(
        reverse("assessments:round_create", args=[team.pk]),
        form_data(share_results="on", reminder_days_before="3"),
        follow=True,
    )
    round_ = Round.objects.get()
    # In the seeds' order (the order the form lists them), not alphabetically.
    assert [r.slug for r in round_.rubrics.order_by("round_rubrics__position")] == [
        "creating-active-engagement",
        "building-support-through-data",
    ]
    assert (round_.status, round_.threshold, round_.share_results, round_.reminder_days_before) == ("draft", 5, True, 3)
    assert round_.created_by == facilitator
    assert {(i.user, i.stakeholder_group) for i in round_.invitations.all()} == {
        (m.user, m.stakeholder_group) for m in members
    }
    assert "2 people invited" in response.content.decode()
    assert SentMessage.objects.count() == 0  # a draft sends nothing yet


def test_create_without_inviting_the_team(client, facilitator, team, groups):
    TeamMemberFactory(team=team, stakeholder_group=groups["Family"])
    client.force_login(facilitator)
    data = form_data()
    del data["invite_team"]
    client.post(reverse("assessments:round_create", args=[team.pk]), data)
    assert Round.objects.count() == 1
    assert Invitation.objects.count() == 0


@pytest.fixture
def foreign_rubric(other_org):
    return Rubric.objects.create(organization=other_org, slug="theirs", title="Theirs", row_heading="Row")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"closes_at": "2027-01-01T09:00", "opens_at": "2027-01-02T09:00"}, "closes_at", "must be after the opening"),
        ({"threshold": "2"}, "threshold", "cannot be below 3"),
        ({"threshold": "many"}, "threshold", "Enter a whole number"),
        ({"rubrics": []}, "rubrics", "Choose at least one rubric"),
        ({"rubrics": ["foreign"]}, "rubrics", "Select a valid choice"),
        ({"rubrics": ["abc"]}, "rubrics", "is not a valid value"),
        ({"opens_at": "next Tuesday"}, "opens_at", "Enter a valid date/time"),
        ({"name": ""}, "name", "This field is required"),
        ({"reminder_days_before": "0"}, "reminder_days_before", "greater than or equal to 1"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_saves_nothing(
    client, facilitator, team, groups, foreign_rubric, changes, field, message
):
    TeamMemberFactory(team=team, stakeholder_group=groups["Family"])
    if changes.get("rubrics") == ["foreign"]:
        changes = {"rubrics": [lbc_rubrics()[0].pk, foreign_rubric.pk]}  # an id tampered into the form
    client.force_login(facilitator)
    response = client.post(reverse("assessments:round_create", args=[team.pk]), form_data(**changes))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    page = response.content.decode()
    assert 'role="alert"' in page and message in page
    assert (Round.objects.count(), Invitation.objects.count()) == (0, 0)
    foreign_rubric.refresh_from_db()
    assert not foreign_rubric.frozen


def test_the_form_offers_the_organizations_rubrics_only(client, facilitator, org, team, foreign_rubric):
    own = Rubric.objects.create(organization=org, slug="ours", title="Ours", row_heading="Row")
    client.force_login(facilitator)
    choices = client.get(reverse("assessments:round_create", args=[team.pk])).context["form"].fields["rubrics"]
    offered = set(choices.queryset)
    assert own in offered and set(lbc_rubrics()) <= offered
    assert foreign_rubric not in offered


def test_edit_a_round(client, facilitator, draft):
    client.force_login(facilitator)
    data = form_data(name="Spring 2027, second try", threshold="7", rubrics=[lbc_rubrics()[0].pk])
    response = client.post(reverse("assessments:round_edit", args=[draft.pk]), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.name, draft.threshold) == ("Spring 2027, second try", 7)
    assert list(draft.rubrics.all()) == [lbc_rubrics()[0]]


def test_edit_refuses_bad_dates_and_changes_nothing(client, facilitator, draft):
    before = (draft.opens_at, draft.closes_at)
    client.force_login(facilitator)
    response = client.post(
        reverse("assessments:round_edit", args=[draft.pk]),
        form_data(opens_at="2027-01-02T09:00", closes_at="2027-01-02T09:00"),
    )
    assert response.status_code == 400
    assert "must be after the opening" in response.content.decode()
    draft.refresh_from_db()
    assert (draft.opens_at, draft.closes_at) == before


def test_rubrics_and_threshold_are_locked_once_ratings_exist(client, facilitator, open_round):
    (invitation,) = invite(open_round)
    answer(invitation)
    rubric_ids = list(open_round.round_rubrics.order_by("position").values_list("rubric_id", flat=True))
    client.force_login(facilitator)
    page = client.get(reverse("assessments:round_edit", args=[open_round.pk]))
    form = page.context["form"]
    assert form.fields["rubrics"].disabled and form.fields["threshold"].disabled
    assert "Ratings exist already" in page.content.decode()
    # A tampered post cannot change them; the rest is saved, in the rubrics' own order.
    data = form_data(name="Renamed", threshold="3", rubrics=[rubric_ids[0]])
    response = client.post(reverse("assessments:round_edit", args=[open_round.pk]), data)
    assert response.status_code == 302
    open_round.refresh_from_db()
    assert (open_round.name, open_round.threshold) == ("Renamed", 5)
    assert list(open_round.round_rubrics.order_by("position").values_list("rubric_id", flat=True)) == rubric_ids


# The round's page ---------------------------------------------------------------


def test_detail_shows_progress_people_and_their_emails_never_their_answers(client, facilitator, open_round, groups):
    family = invite(open_round, UserFactory(name="Ana Family"), UserFactory(name="Ben Family"), group=groups["Family"])
    (educator,) = invite(open_round, UserFactory(name="Cy Educator"), group=groups["Educator"])
    answer(family[0], submit=True, evidence="SECRET EVIDENCE")
    answer(family[1], evidence="MORE SECRET EVIDENCE")
    invitation_revoke(invitation=educator)
    client.force_login(facilitator)
    response = client.get(reverse("assessments:round_detail", args=[open_round.pk]))
    page = response.content.decode()
    groups_shown = {g.label: (g.invited, g.started, g.submitted, g.revoked) for g in response.context["groups"]}
    assert groups_shown == {"Family": (2, 2, 1, 0), "Educator": (0, 0, 0, 1)}
    total = response.context["total"]
    assert (total.invited, total.started, total.submitted, total.revoked) == (2, 2, 1, 1)
    statuses = {i.user.name: i.progress for i in response.context["invitations"]}
    assert statuses == {"Ana Family": "submitted", "Ben Family": "in_progress", "Cy Educator": "revoked"}
    for text in ("Ana Family", family[0].user.email, "Submitted", "In progress", "Revoked", "Invitation: pending"):
        assert text in page
    assert "SECRET" not in page
    assert 'href="' + reverse("assessments:round_close", args=[open_round.pk]) in page
    assert reverse("assessments:round_open", args=[open_round.pk]) not in page


def test_a_lead_sees_the_numbers_but_not_the_people(client, lead, open_round):
    (invitation,) = invite(open_round)
    client.force_login(lead)
    response = client.get(reverse("assessments:round_detail", args=[open_round.pk]))
    page = response.content.decode()
    assert response.context["total"].invited == 1
    assert invitation.user.email not in page
    assert "/close/" not in page and "/edit/" not in page


ROUND_ACTIONS = ["round_open", "round_close", "round_reopen", "round_remind", "invitations_add", "round_edit"]
INVITATION_ACTIONS = ["invitation_resend", "invitation_revoke"]


@pytest.mark.parametrize(
    ("state", "shown"),
    [
        ("draft", {"round_open", "invitations_add", "round_edit", "invitation_revoke"}),
        ("open", {"round_close", "round_remind", "invitations_add", "round_edit", *INVITATION_ACTIONS}),
        ("closed", {"round_reopen", "round_edit"}),
    ],
)
def test_the_buttons_fit_the_status(client, request, facilitator, state, shown):
    round_ = request.getfixturevalue({"draft": "draft", "open": "open_round", "closed": "closed_round"}[state])
    invitation = Invitation.objects.create(
        round=round_, user=UserFactory(), stakeholder_group=round_.organization.stakeholder_groups.first(),
        token_nonce="n", token_hash="h",
    )  # fmt: skip
    client.force_login(facilitator)
    page = client.get(reverse("assessments:round_detail", args=[round_.pk])).content.decode()
    urls = {view: reverse(f"assessments:{view}", args=[round_.pk]) for view in ROUND_ACTIONS} | {
        view: reverse(f"assessments:{view}", args=[round_.pk, invitation.pk]) for view in INVITATION_ACTIONS
    }
    assert {view for view, url in urls.items() if f'"{url}"' in page} == shown


def test_round_list_counts(client, lead, team, draft, open_round, groups):
    invitations = invite(open_round, UserFactory(), UserFactory(), UserFactory(), group=groups["Family"])
    answer(invitations[0], submit=True)
    invitation_revoke(invitation=invitations[2])
    invite(draft, UserFactory(), group=groups["Family"])
    client.force_login(lead)
    response = client.get(reverse("assessments:round_list", args=[team.pk]))
    counts = {r.name: (r.status, r.invited_count, r.submitted_count) for r in response.context["rounds"]}
    assert counts == {"Spring 2027": ("draft", 1, 0), "Winter 2026": ("open", 2, 1)}
    page = response.content.decode()
    assert "Winter 2026" in page and "New round" not in page  # a lead reads, does not create


# Each action through HTTP ---------------------------------------------------------


def test_open_sends_the_invitations(client, facilitator, draft, django_capture_on_commit_callbacks):
    invitations = invite(draft, UserFactory(), UserFactory())
    client.force_login(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessments:round_open", args=[draft.pk]), follow=True)
    assert "The round is open" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == RoundStatus.OPEN
    assert SentMessage.objects.filter(kind=MessageKind.INVITATION, status="sent").count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(i.user.email for i in invitations)


def test_close_tells_everyone(client, facilitator, open_round, django_capture_on_commit_callbacks):
    invite(open_round, UserFactory(), UserFactory())
    client.force_login(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("assessments:round_close", args=[open_round.pk]))
    open_round.refresh_from_db()
    assert open_round.status == RoundStatus.CLOSED
    assert SentMessage.objects.filter(kind=MessageKind.ROUND_CLOSED).count() == 2
    assert len(mail.outbox) == 2  # the closing notes (the invitations were queued before the capture)


def test_reopen_with_a_new_closing_date(client, facilitator, org, closed_round):
    org.time_zone = "America/Chicago"
    org.save()
    client.force_login(facilitator)
    year = timezone.now().year + 1
    response = client.post(
        reverse("assessments:round_reopen", args=[closed_round.pk]), {"closes_at": f"{year}-01-12T09:00"}
    )
    assert response.status_code == 302
    closed_round.refresh_from_db()
    assert closed_round.status == RoundStatus.OPEN
    assert closed_round.closes_at == datetime(year, 1, 12, 15, tzinfo=UTC)


@pytest.mark.parametrize(("closes_at", "message"), [("2020-01-01T09:00", "must be in the future"), ("", "required")])
def test_reopen_refuses_a_bad_date(client, facilitator, closed_round, closes_at, message):
    client.force_login(facilitator)
    response = client.post(reverse("assessments:round_reopen", args=[closed_round.pk]), {"closes_at": closes_at})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and 'role="alert"' in page
    closed_round.refresh_from_db()
    assert closed_round.status == RoundStatus.CLOSED


def test_remind_those_who_have_not_submitted(client, facilitator, open_round, django_capture_on_commit_callbacks):
    done, pending, revoked = invite(open_round, UserFactory(), UserFactory(), UserFactory())
    answer(done, submit=True)
    invitation_revoke(invitation=revoked)
    mail.outbox.clear()
    client.force_login(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessments:round_remind", args=[open_round.pk]), follow=True)
    assert "1 person who has not submitted" in response.content.decode()
    reminders = SentMessage.objects.filter(kind=MessageKind.REMINDER)
    assert [m.invitation_id for m in reminders] == [pending.pk]
    assert [m.to for m in mail.outbox] == [[pending.user.email]]


def test_revoke(client, facilitator, open_round):
    (invitation,) = invite(open_round)
    client.force_login(facilitator)
    url = reverse("assessments:invitation_revoke", args=[open_round.pk, invitation.pk])
    assert client.post(url).status_code == 302
    invitation.refresh_from_db()
    revoked_at = invitation.revoked_at
    assert revoked_at is not None
    second = client.post(url)
    assert second.status_code == 409
    assert "already revoked" in second.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at == revoked_at


@pytest.mark.parametrize("new_link", [False, True])
def test_resend(client, facilitator, open_round, new_link, django_capture_on_commit_callbacks):
    (invitation,) = invite(open_round)
    old_hash = invitation.token_hash
    mail.outbox.clear()
    client.force_login(facilitator)
    url = reverse("assessments:invitation_resend", args=[open_round.pk, invitation.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"new_link": "1"} if new_link else {}, follow=True)
    assert ("new link" if new_link else "again") in response.content.decode()
    invitation.refresh_from_db()
    assert (invitation.token_hash != old_hash) is new_link
    assert SentMessage.objects.filter(invitation=invitation, kind=MessageKind.INVITATION).count() == 2
    assert [m.to for m in mail.outbox] == [[invitation.user.email]]


@pytest.mark.parametrize(
    ("state", "view"),
    [
        ("open", "round_open"),
        ("closed", "round_open"),
        ("draft", "round_close"),
        ("closed", "round_close"),
        ("draft", "round_reopen"),
        ("open", "round_reopen"),
        ("draft", "round_remind"),
        ("closed", "round_remind"),
        ("draft", "invitation_resend"),
        ("closed", "invitation_resend"),
    ],
)
def test_forbidden_transitions_answer_409_and_change_nothing(client, request, facilitator, state, view):
    round_ = request.getfixturevalue({"draft": "draft", "open": "open_round", "closed": "closed_round"}[state])
    invitation = Invitation.objects.create(
        round=round_, user=UserFactory(), stakeholder_group=round_.organization.stakeholder_groups.first(),
        token_nonce="n", token_hash=f"h{round_.pk}",
    )  # fmt: skip
    before = Round.objects.filter(pk=round_.pk).values().get()
    messages_before = SentMessage.objects.count()
    client.force_login(facilitator)
    if view.startswith("invitation_"):
        url = reverse(f"assessments:{view}", args=[round_.pk, invitation.pk])
    else:
        url = reverse(f"assessments:{view}", args=[round_.pk])
    response = client.post(url, {"closes_at": local(timezone.now() + timedelta(days=3))})
    assert response.status_code == 409
    page = response.content.decode()
    assert 'role="alert"' in page and "Back to the round" in page
    assert Round.objects.filter(pk=round_.pk).values().get() == before
    assert SentMessage.objects.count() == messages_before


# Query counts ----------------------------------------------------------------------


def _populate(round_, group, *, people, messages_each):
    invitations = invite(round_, *[UserFactory() for _ in range(people)], group=group)
    SentMessage.objects.bulk_create(
        SentMessage(invitation=i, kind=MessageKind.REMINDER, recipient=i.user.email)
        for i in invitations
        for _ in range(messages_each - 1)
    )
    answer(invitations[0], submit=True)
    answer(invitations[1])
    return invitations


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# Session and person; a savepoint pair (ATOMIC_REQUESTS); the access check; the page header (the person's
# organizations, the current one among them; roles); then the page's own: the rounds (list), or progress
# (invitations, then paper respondents), people, their e-mails, the last reminder, the rubrics and the open
# steps of the team's earlier rounds (detail, whose access check also gives the roles that decide what the
# page shows).
QUERIES = {"round_list": 9, "round_detail": 15}


@pytest.mark.parametrize("view", ["round_list", "round_detail"])
def test_query_counts_do_not_grow_with_people_or_messages(
    client, facilitator, org, groups, view, django_assert_num_queries
):
    client.force_login(facilitator)
    urls = []
    for people, messages_each in ((3, 1), (30, 5)):
        team = TeamFactory(organization=org)
        round_ = RoundFactory(team=team)
        round_open(round=round_)  # each invitation gets its one invitation message
        _populate(round_, groups["Family"], people=people, messages_each=messages_each)
        urls.append(reverse(f"assessments:{view}", args=[team.pk if view == "round_list" else round_.pk]))
    assert SentMessage.objects.count() == 3 * 1 + 30 * 5
    assert _queries(client, urls[0]) == QUERIES[view]
    with django_assert_num_queries(QUERIES[view]):
        client.get(urls[1])
