"""The people import's messages say what is wrong with a line (issue 17): a
lone address lacks only its group; a line separated otherwise than the list
names both separators; and "Change the list" keeps the list given."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from convening import people_csv
from convening.people_csv import RowStatus

pytestmark = pytest.mark.django_db


def _check(team, text):
    return people_csv.check_rows(team=team, rows=people_csv.parse(text))


def test_a_line_with_only_an_address_lacks_only_its_group(team):
    (result,) = _check(team, "ana@example.org\n")
    assert result.status == RowStatus.ERROR
    assert result.email == "ana@example.org"
    assert result.messages == ["The stakeholder group is missing."]


def test_a_line_with_an_address_and_a_group_is_read_as_such(team):
    (result,) = _check(team, "ana@example.org, Family\n")
    assert (result.status, result.email, str(result.group)) == (RowStatus.ADD, "ana@example.org", "Family")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Ana,ana@example.org,Family\nBen;ben@example.org;Educator\n",
            "This line is separated by semicolons, but the list by commas (as its first line is): "
            "separate every line the same way.",
        ),
        (
            "Ana\tana@example.org\tFamily\nBen,ben@example.org,Educator\n",
            "This line is separated by commas, but the list by tabs (as its first line is): "
            "separate every line the same way.",
        ),
    ],
    ids=["semicolons-in-a-comma-list", "commas-in-a-tab-list"],
)
def test_a_line_separated_otherwise_names_both_separators(team, text, message):
    first, second = _check(team, text)
    assert first.status == RowStatus.ADD
    assert second.status == RowStatus.ERROR
    assert second.messages == [message]


def test_a_name_with_the_other_separator_in_a_full_line_is_fine(team):
    (result,) = _check(team, "Lee; Sam,sam@example.org,Educator\n")
    assert (result.status, result.name) == (RowStatus.ADD, "Lee; Sam")


@pytest.fixture
def facilitator_client(client, facilitator):
    client.force_login(facilitator)
    return client


def _url(team):
    return reverse("convening:team_members_import", args=[team.pk])


def _textarea(response) -> str:
    match = re.search(r'<textarea name="text"[^>]*>(.*?)</textarea>', response.content.decode(), re.DOTALL)
    assert match, "no list to send back"
    return html.unescape(match.group(1)).lstrip("\n")


@pytest.mark.parametrize("confirmable", [True, False])
def test_change_the_list_brings_back_the_list_given(facilitator_client, team, confirmable):
    text = "Ana <a>,ana@example.org,Family\nBen,ben@example.org," + ("Educator" if confirmable else "Nowhere")
    preview = facilitator_client.post(_url(team), {"text": text})
    assert "Change the list" in preview.content.decode()
    assert ("payload" in preview.content.decode()) is confirmable
    sent_back = _textarea(preview)
    assert sent_back == text

    again = facilitator_client.post(_url(team), {"text": sent_back, "edit": "1"})

    assert again.status_code == 200
    assert _textarea(again) == text  # the import form, with the list in its box
    assert "Check the list" not in again.content.decode()
    assert team.members.count() == 0


def test_change_the_list_after_an_upload_brings_its_text(facilitator_client, team):
    upload = SimpleUploadedFile("people.csv", b"name,email,group\nAna,ana@example.org,Family\n", "text/csv")
    preview = facilitator_client.post(_url(team), {"file": upload})
    assert _textarea(preview) == "name,email,group\nAna,ana@example.org,Family\n"
