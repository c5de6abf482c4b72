"""Inviting people to a round: ticking team members, or a pasted or uploaded
list → preview (nothing saved) → confirm (all or nothing)."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.invitations.services import Invitee, invitations_create
from assessments.models import Invitation, SentMessage
from assessments.rounds.services import round_close, round_open
from assessments.tests.factories import RoundFactory
from convening import people_csv
from convening.models import Role, TeamMember, User
from convening.tests.factories import TeamFactory, TeamMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups(org):
    return {group.name: group for group in org.stakeholder_groups.all()}


@pytest.fixture
def team(org):
    return TeamFactory(organization=org, name="SSIP stakeholder team")


@pytest.fixture
def draft(team):
    return RoundFactory(team=team)


@pytest.fixture
def members(team, groups):
    people = [("Ana", "Family"), ("Ben", "Educator"), ("Cy", "Family")]
    return [
        TeamMemberFactory(
            team=team, user=UserFactory(name=name, email=f"{name.lower()}@example.org"), stakeholder_group=groups[group]
        )
        for name, group in people
    ]


@pytest.fixture
def url(draft):
    return reverse("assessments:invitations_add", args=[draft.pk])


@pytest.fixture
def as_facilitator(client, facilitator):
    client.force_login(facilitator)
    return client


def invite_member(round_, member):
    return invitations_create(
        round=round_, invitees=[Invitee(user=member.user, stakeholder_group=member.stakeholder_group)]
    )


def rows_saved():
    return User.objects.count(), TeamMember.objects.count(), Invitation.objects.count(), SentMessage.objects.count()


# Team members ----------------------------------------------------------------------


def test_members_not_invited_yet_are_offered_all_ticked(as_facilitator, url, draft, members):
    invite_member(draft, members[0])
    response = as_facilitator.get(url)
    assert set(response.context["members_form"].fields["members"].queryset) == {members[1], members[2]}
    page = response.content.decode()
    assert page.count('name="members"') == 2 and page.count("checked") == 2
    assert "ana@example.org" not in page


def test_invite_the_members_ticked(as_facilitator, url, draft, members):
    response = as_facilitator.post(url, {"step": "members", "members": [members[0].pk, members[2].pk]}, follow=True)
    assert "2 people are invited" in response.content.decode()
    assert {(i.user, i.stakeholder_group) for i in draft.invitations.all()} == {
        (members[0].user, members[0].stakeholder_group),
        (members[2].user, members[2].stakeholder_group),
    }
    assert SentMessage.objects.count() == 0  # a draft round sends when it opens


def test_members_of_an_open_round_get_their_invitation_at_once(
    as_facilitator, team, members, django_capture_on_commit_callbacks
):
    round_ = RoundFactory(team=team)
    round_open(round=round_)
    url = reverse("assessments:invitations_add", args=[round_.pk])
    with django_capture_on_commit_callbacks(execute=True):
        as_facilitator.post(url, {"step": "members", "members": [members[1].pk]})
    assert [m.to for m in mail.outbox] == [[members[1].user.email]]


@pytest.mark.parametrize("tampered", ["other team", "already invited", "nobody", "abc"])
def test_members_form_refuses_tampering(as_facilitator, url, draft, members, groups, tampered):
    invite_member(draft, members[0])
    chosen = {
        "other team": [members[1].pk, TeamMemberFactory(stakeholder_group=groups["Family"]).pk],
        "already invited": [members[0].pk],
        "nobody": [],
        "abc": ["abc"],
    }[tampered]
    before = rows_saved()
    response = as_facilitator.post(url, {"step": "members", "members": chosen})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert rows_saved() == before


# A pasted or uploaded list ----------------------------------------------------------

LIST = """name,email,group
Ana,ANA@example.org,Family
Dee New,dee@example.org,Educator
Dee New,dee@example.org,educator
Eve New,eve@example.org,Advocate
Ben,ben@example.org,Family
"""


def test_preview_saves_nothing_and_says_what_would_happen(as_facilitator, url, draft, members):
    invite_member(draft, members[0])
    before = rows_saved()
    response = as_facilitator.post(url, {"step": "list", "text": LIST})
    assert response.status_code == 200
    assert rows_saved() == before
    statuses = [(row.row.email, row.status, row.group.name) for row in response.context["rows"]]
    assert statuses == [
        ("ANA@example.org", "invited", "Family"),
        ("dee@example.org", "join", "Educator"),
        ("dee@example.org", "duplicate", "Educator"),
        ("eve@example.org", "join", "Advocate"),
        ("ben@example.org", "invite", "Educator"),  # on the team as an educator: stays one
    ]
    page = response.content.decode()
    assert "3 people will be invited" in page and "Already invited" in page
    assert "stays as it is" in page
    assert response.context["confirm_form"] is not None


def test_confirm_invites_everyone_once_and_adds_newcomers_to_the_team(as_facilitator, url, draft, team, members):
    invite_member(draft, members[0])
    preview = as_facilitator.post(url, {"step": "list", "text": LIST})
    payload = preview.context["confirm_form"].initial["payload"]
    response = as_facilitator.post(url, {"payload": payload}, follow=True)
    assert "3 people are invited" in response.content.decode()
    invited = {
        (i.user.email, i.stakeholder_group.name) for i in draft.invitations.select_related("user", "stakeholder_group")
    }
    assert invited == {
        ("ana@example.org", "Family"),
        ("dee@example.org", "Educator"),
        ("eve@example.org", "Advocate"),
        ("ben@example.org", "Educator"),
    }
    newcomers = team.members.filter(user__email__in=["dee@example.org", "eve@example.org"])
    assert newcomers.count() == 2
    assert all(Role.STAKEHOLDER in m.user.memberships.values_list("role", flat=True) for m in newcomers)
    assert User.objects.filter(email="dee@example.org").count() == 1
    # Confirming the same preview again (a second click) doubles nobody.
    before = rows_saved()
    again = as_facilitator.post(url, {"payload": payload}, follow=True)
    assert "0 people are invited" in again.content.decode()
    assert rows_saved() == before


def test_an_uploaded_csv_file_is_previewed_too(as_facilitator, url, members):
    upload = SimpleUploadedFile("people.csv", ("\ufeff" + LIST).encode(), content_type="text/csv")
    response = as_facilitator.post(url, {"step": "list", "file": upload})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 5


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("Zed,zed@example.org,Astronauts", "“Astronauts” is not a stakeholder group"),
        ("Zed,not-an-address,Family", "“not-an-address” is not a valid e-mail address"),
        ("Zed,,Family", "The e-mail address is missing"),
    ],
)
def test_a_bad_row_blocks_the_confirm(as_facilitator, url, draft, members, line, message):
    text = "Fay,fay@example.org,Family\n" + line
    before = rows_saved()
    response = as_facilitator.post(url, {"step": "list", "text": text})
    page = response.content.decode()
    assert message in page and 'role="alert"' in page
    assert response.context["confirm_form"] is None
    assert 'name="payload"' not in page
    # A confirm forged from the same rows is refused as a whole: nobody is saved.
    forged = people_csv.rows_sign(team=draft.team, rows=people_csv.parse(text))
    refused = as_facilitator.post(url, {"payload": forged})
    assert refused.status_code == 400
    assert message in refused.content.decode()
    assert rows_saved() == before


def test_a_tampered_or_foreign_payload_is_refused(as_facilitator, url, org, members):
    other_team = TeamFactory(organization=org)
    before = rows_saved()
    for payload in (
        "garbage",
        people_csv.rows_sign(team=other_team, rows=people_csv.parse("Fay,fay@example.org,Family")),
    ):
        response = as_facilitator.post(url, {"payload": payload})
        assert response.status_code == 400
        assert "could not be verified" in response.content.decode()
    assert rows_saved() == before


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_an_empty_list_is_refused(as_facilitator, url, text):
    response = as_facilitator.post(url, {"step": "list", "text": text})
    assert response.status_code == 400
    assert "Paste a list or choose a file" in response.content.decode()


# A closed round ---------------------------------------------------------------------------


@pytest.fixture
def closed_round(team):
    round_ = RoundFactory(team=team)
    round_open(round=round_)
    round_close(round=round_)
    return round_


def test_nobody_can_be_invited_to_a_closed_round(as_facilitator, closed_round, members):
    url = reverse("assessments:invitations_add", args=[closed_round.pk])
    page = as_facilitator.get(url).content.decode()
    assert "This round is closed" in page and 'name="members"' not in page
    before = rows_saved()
    response = as_facilitator.post(url, {"step": "members", "members": [members[0].pk]})
    assert response.status_code == 409
    assert rows_saved() == before


def test_a_round_closed_after_the_preview_refuses_the_confirm_and_adds_nobody(as_facilitator, team, members):
    round_ = RoundFactory(team=team)
    url = reverse("assessments:invitations_add", args=[round_.pk])
    preview = as_facilitator.post(url, {"step": "list", "text": "Fay,fay@example.org,Family"})
    round_open(round=round_)
    round_close(round=round_)
    before = rows_saved()
    response = as_facilitator.post(url, {"payload": preview.context["confirm_form"].initial["payload"]})
    assert response.status_code == 409
    assert "closed round" in response.content.decode()
    assert rows_saved() == before
