"""Parsing and checking lists of people, and the import pages built on them:
preview (saves nothing) → confirm (re-checks, saves all or nothing)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from convening import people_csv
from convening.models import TeamMember, User
from convening.people_csv import PersonRow, RowStatus
from convening.selectors import team_members_for
from convening.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def _fields(rows):
    return [(row.line, row.name, row.email, row.group) for row in rows]


@pytest.mark.parametrize(
    "text",
    [
        "name,email,group\nAna Silva,ana@example.org,Family\n",
        "\ufeffName,E-mail,Group\r\nAna Silva,ana@example.org,Family\r\n",
        "E-mail address;Stakeholder group;Full name\nana@example.org;Family;Ana Silva\n",
        "Name\tEmail\tGroup\nAna Silva\tana@example.org\tFamily\n",
        "\n\nname , email , group\n  Ana Silva ,  ana@example.org , Family \n\n",
    ],
    ids=["header", "bom-crlf-header", "semicolons-any-order", "tabs", "blank-lines-and-spaces"],
)
def test_parse_with_a_header(text):
    rows = people_csv.parse(text)
    assert [(row.name, row.email, row.group) for row in rows] == [("Ana Silva", "ana@example.org", "Family")]


def test_parse_without_a_header_reads_name_email_group_with_line_numbers():
    text = 'Ana Silva,ana@example.org,Family\n\n"Lee, Sam",sam@example.org,Educator\nno-group@example.org\n'
    assert _fields(people_csv.parse(text)) == [
        (1, "Ana Silva", "ana@example.org", "Family"),
        (3, "Lee, Sam", "sam@example.org", "Educator"),
        (4, "", "no-group@example.org", ""),  # a lone address is read as one, so only the group is missing
    ]


def test_parse_pasted_spreadsheet_rows():
    assert _fields(people_csv.parse("Ana\tana@example.org\tFamily\nBen\tben@example.org\tEducator")) == [
        (1, "Ana", "ana@example.org", "Family"),
        (2, "Ben", "ben@example.org", "Educator"),
    ]


def test_parse_refuses_an_empty_list():
    with pytest.raises(ValidationError, match="The list is empty"):
        people_csv.parse("name,email,group\n\n")


def test_parse_refuses_more_than_the_row_limit():
    rows = "".join(f"P{i},p{i}@example.org,Family\n" for i in range(people_csv.MAX_ROWS))
    assert len(people_csv.parse(rows)) == people_csv.MAX_ROWS
    with pytest.raises(ValidationError, match="more than 2000 people"):
        people_csv.parse(rows + "One more,more@example.org,Family\n")


def test_parse_and_decode_refuse_more_than_a_megabyte():
    text = "x" * (people_csv.MAX_BYTES + 1)
    with pytest.raises(ValidationError, match="larger than 1 megabyte"):
        people_csv.parse(text)
    with pytest.raises(ValidationError, match="larger than 1 megabyte"):
        people_csv.decode_upload(text.encode())


def test_decode_upload_strips_the_bom_and_refuses_other_encodings():
    assert people_csv.decode_upload("\ufeffname,email\n".encode()) == "name,email\n"
    with pytest.raises(ValidationError, match="not UTF-8"):
        people_csv.decode_upload("Núñez,n@example.org,Family".encode("latin-1"))


def _check(team, text):
    return people_csv.check_rows(team=team, rows=people_csv.parse(text))


def test_check_rows_reports_each_problem(team):
    results = _check(
        team,
        "\n".join(
            [
                "Ana,ana@example.org,family",  # group matched in any case
                "Bad,not-an-address,Family",
                "Nobody,,Family",
                "Alien,alien@example.org,Martians",
                "Groupless,groupless@example.org,",
                f"{'x' * 201},long@example.org,Family",
            ]
        ),
    )
    assert [(r.status, r.messages) for r in results] == [
        (RowStatus.ADD, []),
        (RowStatus.ERROR, ["“not-an-address” is not a valid e-mail address."]),
        (RowStatus.ERROR, ["The e-mail address is missing."]),
        (
            RowStatus.ERROR,
            [
                "“Martians” is not a stakeholder group of Demo State Agency. "
                "The groups are: Family, Educator, Administrator, Provider, Advocate, Other."
            ],
        ),
        (RowStatus.ERROR, ["The stakeholder group is missing."]),
        (RowStatus.ERROR, ["The name is longer than 200 characters."]),
    ]
    assert results[0].group.name == "Family"


def test_check_rows_merges_duplicates_and_notes_members(member):
    results = _check(
        member.team,
        "\n".join(
            [
                "Ana,ana@example.org,Family",
                "Ana S.,ANA@example.org,family",
                "Ana,ana@example.org,Educator",
                f"Known,{member.user.email.upper()},Advocate",
            ]
        ),
    )
    assert [(r.status, r.messages) for r in results] == [
        (RowStatus.ADD, []),
        (RowStatus.DUPLICATE, ["Same person as line 1: added once."]),
        (RowStatus.ERROR, ["Line 1 puts this person in the group “Family”; a person belongs to one group only."]),
        (RowStatus.ALREADY, ["Already on the team, in the group “Family”: nothing changes."]),
    ]


def test_signed_rows_round_trip_and_refuse_tampering_or_another_team(team):
    rows = [PersonRow(1, "Ana", "ana@example.org", "Family")]
    token = people_csv.rows_sign(team=team, rows=rows)

    assert people_csv.rows_unsign(team=team, token=token) == rows
    with pytest.raises(ValidationError, match="could not be verified"):
        people_csv.rows_unsign(team=team, token=token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(ValidationError, match="could not be verified"):
        people_csv.rows_unsign(team=TeamFactory(organization=team.organization), token=token)


# The pages


@pytest.fixture
def facilitator_client(client, facilitator):
    client.force_login(facilitator)
    return client


def _import_url(team):
    return reverse("convening:team_members_import", args=[team.pk])


def _text(response):
    """The page's text with runs of white space folded, as a reader meets it."""
    return " ".join(response.content.decode().split())


def _payload(response):
    match = re.search(r'name="payload" value="([^"]+)"', response.content.decode())
    return match.group(1) if match else None


def test_preview_saves_nothing_and_confirm_saves_all(facilitator_client, member):
    text = "\n".join(
        [
            "name,email,group",
            "Ana,ana@example.org,Family",
            "Ben,ben@example.org,Educator",
            "Ana,ana@example.org,Family",
            f"Known,{member.user.email},Family",
        ]
    )
    users_before = User.objects.count()

    preview = facilitator_client.post(_import_url(member.team), {"text": text})

    assert preview.status_code == 200
    assert User.objects.count() == users_before
    assert member.team.members.count() == 1
    assert "New to the team: 2 people" in _text(preview)
    confirm = facilitator_client.post(_import_url(member.team), {"payload": _payload(preview)})
    assert confirm.status_code == 302
    assert sorted(member.team.members.values_list("user__email", flat=True)) == sorted(
        ["ana@example.org", "ben@example.org", member.user.email]
    )


def test_upload_of_a_csv_file_with_a_bom(facilitator_client, team):
    upload = SimpleUploadedFile("people.csv", "\ufeffName;Email;Group\r\nNúñez;n@example.org;Family\r\n".encode())
    preview = facilitator_client.post(_import_url(team), {"file": upload})

    assert preview.status_code == 200
    assert "Núñez" in _text(preview)
    facilitator_client.post(_import_url(team), {"payload": _payload(preview)})
    assert team_members_for(team=team).get().known_name == "Núñez"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": ""}, "Paste a list or choose a file."),
        ({"text": "a,a@example.org,Family", "file": SimpleUploadedFile("a.csv", b"x")}, "not both"),
        ({"file": SimpleUploadedFile("big.csv", b"x" * (people_csv.MAX_BYTES + 1))}, "larger than 1 megabyte"),
        ({"file": SimpleUploadedFile("latin.csv", "Núñez".encode("latin-1"))}, "not UTF-8"),
    ],
)
def test_bad_lists_are_refused_on_the_form(facilitator_client, team, data, message):
    response = facilitator_client.post(_import_url(team), data)
    assert response.status_code == 200
    assert message in _text(response)
    assert 'role="alert"' in _text(response)
    assert not TeamMember.objects.exists()


def test_an_error_row_blocks_the_confirm(facilitator_client, team):
    preview = facilitator_client.post(_import_url(team), {"text": "Ana,ana@example.org,Family\nBad,bad,Family"})

    assert _payload(preview) is None
    assert "1 line has an error." in _text(preview)
    assert not User.objects.filter(email="ana@example.org").exists()


def test_confirm_checks_again_and_saves_nothing_on_error(facilitator_client, team, groups):
    preview = facilitator_client.post(
        _import_url(team), {"text": "Ana,ana@example.org,Family\nEd,ed@example.org,Other"}
    )
    groups["Other"].delete()  # between the preview and the confirmation

    confirm = facilitator_client.post(_import_url(team), {"payload": _payload(preview)})

    assert confirm.status_code == 200
    assert "is not a stakeholder group" in _text(confirm)
    assert _payload(confirm) is None
    assert not TeamMember.objects.exists()
    assert not User.objects.filter(email="ana@example.org").exists()


def test_a_tampered_payload_is_rejected(facilitator_client, team):
    preview = facilitator_client.post(_import_url(team), {"text": "Ana,ana@example.org,Family"})
    forged = people_csv.rows_sign(team=team, rows=[]).split(":")[0] + ":" + _payload(preview).split(":", 1)[1]

    for payload in (forged, "garbage", _payload(preview) + "x"):
        response = facilitator_client.post(_import_url(team), {"payload": payload})
        assert response.status_code == 400
        assert "could not be verified" in _text(response)
    assert not TeamMember.objects.exists()


def test_a_payload_for_another_team_is_rejected(facilitator_client, team):
    other = TeamFactory(organization=team.organization)
    preview = facilitator_client.post(_import_url(other), {"text": "Ana,ana@example.org,Family"})

    response = facilitator_client.post(_import_url(team), {"payload": _payload(preview)})

    assert response.status_code == 400
    assert not TeamMember.objects.exists()
