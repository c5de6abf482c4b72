"""Paper ratings: a facilitator enters what respondents marked on paper, one
form at a time or as a CSV file. Each respondent becomes a submitted response
entered by proxy; any problem saves nothing and says which row is wrong."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from assessments.exceptions import StateConflict
from assessments.models import Rating, Response, RoundStatus
from assessments.paper.checks import PaperAnswer
from assessments.paper.parsing import decode_upload, parse_csv
from assessments.paper.services import paper_ratings_import, paper_response_create
from assessments.rating.services import rating_save
from assessments.rounds.services import round_close, round_open
from assessments.tests.factories import RoundFactory, invite
from convening.models import StakeholderGroup
from convening.tests.factories import StakeholderGroupFactory, TeamFactory
from rubrics.models import KeyAction, Level, Rubric

pytestmark = pytest.mark.django_db

HEADER = "respondent,group,rubric,key_action,level,evidence"
CAE, BSD = "creating-active-engagement", "building-support-through-data"
LBC_KEY_ACTIONS = [(CAE, k) for k in range(1, 6)] + [(BSD, k) for k in range(1, 5)]


@pytest.fixture
def team(org):
    return TeamFactory(organization=org)


@pytest.fixture
def open_round(team):
    round_ = RoundFactory(team=team)
    round_open(round=round_)
    return round_


@pytest.fixture
def closed_round(open_round):
    round_close(round=open_round)
    return open_round


@pytest.fixture
def draft(team):
    return RoundFactory(team=team, opens_at=timezone.now() + timedelta(days=1))


def rows_for(code="P-001", group="Family", level="2", evidence=""):
    """One respondent's rows: every key action of the LbC round."""
    return [f"{code},{group},{slug},{position},{level},{evidence}" for slug, position in LBC_KEY_ACTIONS]


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def import_csv(round_, text: str, entered_by=None) -> int:
    return paper_ratings_import(round=round_, rows=parse_csv(text), entered_by=entered_by)


def counts() -> tuple[int, int]:
    return Response.objects.count(), Rating.objects.count()


def group(org, name="Family") -> StakeholderGroup:
    return org.stakeholder_groups.get(name=name)


def key_actions(round_):
    return list(KeyAction.objects.filter(rubric__round_rubrics__round=round_).order_by("rubric__slug", "position"))


def all_not_sure(round_) -> list[PaperAnswer]:
    return [PaperAnswer(key_action_id=ka.pk, level_id=None, not_sure=True, evidence="") for ka in key_actions(round_)]


# The CSV import service


def test_each_respondent_becomes_a_submitted_response_entered_by_proxy(open_round, org, facilitator):
    first = rows_for("P-001", "Family", "3", "We meet monthly")
    first[1] = f"P-001,Family,{CAE},2,not sure,"
    first[2] = f"P-001,Family,{CAE},3,NOT SURE,"
    first[3] = f"P-001,Family,{CAE},4,Collaborating,"
    first[4] = f'P-001,Family,{CAE},5,transforming,"Two lines,\nwith a comma"'
    second = rows_for("P-002", "educator", "1")

    assert import_csv(open_round, csv_text(*first, *second), entered_by=facilitator) == 2

    responses = Response.objects.order_by("respondent_code")
    assert [(r.respondent_code, r.stakeholder_group.name) for r in responses] == [
        ("P-001", "Family"),
        ("P-002", "Educator"),
    ]
    for response in responses:
        assert response.entered_by_proxy and response.entered_by == facilitator
        assert response.invitation is None and response.submitted_at is not None
        assert response.ratings.count() == 9
    answers = {
        (r.key_action.rubric.slug, r.key_action.position): (r.level.name if r.level else None, r.not_sure, r.evidence)
        for r in Rating.objects.filter(response__respondent_code="P-001").select_related("key_action__rubric", "level")
    }
    assert answers[(CAE, 1)] == ("Collaborating", False, "We meet monthly")
    assert answers[(CAE, 2)] == (None, True, "")
    assert answers[(CAE, 3)] == (None, True, "")
    assert answers[(CAE, 4)] == ("Collaborating", False, "")
    assert answers[(CAE, 5)] == ("Transforming", False, "Two lines,\nwith a comma")


@pytest.mark.parametrize("spelling", ["not sure", "Not Sure", "NOT SURE", "not_sure", "  not   sure "])
def test_not_sure_in_any_spelling(open_round, spelling):
    import_csv(open_round, csv_text(*rows_for(level=spelling)))
    assert Rating.objects.filter(not_sure=True, level__isnull=True).count() == 9


@pytest.mark.parametrize("spelling", ["Networking", "networking", "NETWORKING", "2"])
def test_a_level_by_name_or_position(open_round, spelling):
    import_csv(open_round, csv_text(*rows_for(level=spelling)))
    assert set(Rating.objects.values_list("level__name", flat=True)) == {"Networking"}


def test_spreadsheet_variants_are_read(open_round):
    """A byte-order mark, semicolons, columns in another order and named in
    other capitals, an extra column, and no evidence column at all."""
    header = "Level;Key action;Rubric;Group;Respondent;Notes"
    rows = [f"2;{position};{slug};Family;P-001;ignored" for slug, position in LBC_KEY_ACTIONS]
    text = decode_upload(("\ufeff" + csv_text(*rows, header=header)).encode("utf-8"))
    assert import_csv(open_round, text) == 1
    assert Rating.objects.filter(level__position=2).count() == 9


def test_a_closed_round_takes_paper_ratings(closed_round):
    assert import_csv(closed_round, csv_text(*rows_for())) == 1


def test_a_draft_takes_none(draft):
    with pytest.raises(StateConflict, match="once the round has opened"):
        import_csv(draft, csv_text(*rows_for()))
    assert counts() == (0, 0)


def test_the_same_respondents_twice_are_refused(open_round):
    text = csv_text(*rows_for("P-001"), *rows_for("P-002"))
    import_csv(open_round, text)
    with pytest.raises(ValidationError, match="Respondent code P-001 is already used in this round") as error:
        import_csv(open_round, text)
    assert "Row 11: Respondent code P-002 is already used" in error.value.messages[1]
    assert counts() == (2, 18)


def _replace(index: int, row: str):
    def change(rows):
        rows[index] = row
        return rows

    return change


def _drop(index: int):
    def change(rows):
        del rows[index]
        return rows

    return change


def _add(row: str):
    return lambda rows: [*rows, row]


BAD_ROWS = {
    "unknown rubric": (
        _replace(0, "P-001,Family,no-such-rubric,1,2,"),
        f"Row 2: “no-such-rubric” is not a rubric of this round: use {BSD}, {CAE}.",
    ),
    "unknown key action": (
        _replace(0, f"P-001,Family,{CAE},6,2,"),
        "Row 2: Creating Active Engagement has no key action “6”: write its position, 1 to 5.",
    ),
    "key action not a number": (
        _replace(0, f"P-001,Family,{CAE},first,2,"),
        "Row 2: Creating Active Engagement has no key action “first”",
    ),
    "level above the range": (
        _replace(0, f"P-001,Family,{CAE},1,5,"),
        "Row 2: Level 5 is out of range: Creating Active Engagement has levels 1 to 4.",
    ),
    "level zero": (_replace(0, f"P-001,Family,{CAE},1,0,"), "Row 2: Level 0 is out of range"),
    "level in other digits": (
        _replace(0, f"P-001,Family,{CAE},1,²,"),
        "Row 2: “²” is not a level of Creating Active Engagement",
    ),
    "level of many digits": (_replace(0, f"P-001,Family,{CAE},1,{'9' * 5000},"), "Row 2: “999"),
    "key action in other digits": (
        _replace(0, f"P-001,Family,{CAE},²,2,"),
        "Row 2: Creating Active Engagement has no key action “²”",
    ),
    "key action of many digits": (
        _replace(0, f"P-001,Family,{CAE},{'9' * 5000},2,"),
        "Row 2: Creating Active Engagement has no key action “999",
    ),
    "unknown level name": (
        _replace(0, f"P-001,Family,{CAE},1,Expert,"),
        "Row 2: “Expert” is not a level of Creating Active Engagement: write a number from 1 to 4, "
        "a level name (Informing, Networking, Collaborating, Transforming) or “not sure”.",
    ),
    "empty level": (_replace(0, f"P-001,Family,{CAE},1,,"), "Row 2: The column level is empty."),
    "missing respondent code": (_add(f",Family,{CAE},1,2,"), "Row 11: The respondent code is missing."),
    "unknown group": (
        _replace(3, f"P-001,Parents,{CAE},4,2,"),
        "Row 5: “Parents” is not a stakeholder group of this organization: use Family, Educator,",
    ),
    "two groups": (
        _replace(2, f"P-001,Educator,{CAE},3,2,"),
        "Row 4: Respondent P-001 is in the group “Family” on row 2 but “Educator” here.",
    ),
    "same key action twice": (
        _add(f"P-001,Family,{CAE},2,3,"),
        "Row 11: Respondent P-001 answers Creating Active Engagement, key action 2 twice. "
        "The first answer is on row 3.",
    ),
    "evidence too long": (
        _replace(1, f"P-001,Family,{CAE},2,2,{'x' * 2001}"),
        "Row 3: Evidence can be at most 2000 characters (this has 2001).",
    ),
    "missing key action": (
        _drop(8),
        "Respondent P-001 has no answer for Building Support through Data, key action 4: "
        "every key action needs a level or “not sure”.",
    ),
    "respondent code too long": (
        lambda rows: rows_for("P" * 51),
        "Row 2: The respondent code can be at most 50 characters.",
    ),
}


@pytest.mark.parametrize("case", BAD_ROWS.keys())
def test_a_bad_row_saves_nothing_and_is_named(open_round, case):
    change, message = BAD_ROWS[case]
    good = rows_for("P-002", "Educator")
    with pytest.raises(ValidationError) as error:
        import_csv(open_round, csv_text(*change(rows_for("P-001")), *good))
    assert any(m.startswith(message) for m in error.value.messages), error.value.messages
    assert counts() == (0, 0)


def test_a_respondent_code_already_in_the_round_is_named_with_its_row(open_round, org):
    paper_response_create(
        round=open_round,
        respondent_code="P-002",
        stakeholder_group=group(org),
        answers=all_not_sure(open_round),
        entered_by=None,
    )
    with pytest.raises(ValidationError, match="Row 11: Respondent code P-002 is already used in this round"):
        import_csv(open_round, csv_text(*rows_for("P-001"), *rows_for("P-002")))
    assert counts() == (1, 9)


def test_every_problem_is_listed_at_once_in_row_order(open_round):
    rows = rows_for("P-001")
    rows[4] = f"P-001,Family,{CAE},5,9,"
    rows[0] = "P-001,Family,nope,1,2,"
    with pytest.raises(ValidationError) as error:
        import_csv(open_round, csv_text(*rows, *rows_for("P-002")[:-1]))
    messages = error.value.messages
    assert len(messages) == 3
    assert messages[0].startswith("Row 2: “nope” is not a rubric")
    assert messages[1].startswith("Row 6: Level 9 is out of range")
    assert messages[2].startswith("Respondent P-002 has no answer for Building Support through Data, key action 4:")
    # P-001's refused rows are reported once: not again as missing answers.
    assert not any("Respondent P-001 has no answer" in m for m in messages)


def test_a_file_of_bad_rows_lists_the_first_hundred_problems(open_round):
    rows = [f"P-{i:03},Family,nope,1,2," for i in range(150)]
    with pytest.raises(ValidationError) as error:
        import_csv(open_round, csv_text(*rows))
    assert len(error.value.messages) == 101
    assert error.value.messages[-1] == "…and 50 more problems."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("respondent,group,rubric,key_action,evidence\nP-001,Family,x,1,\n", "Row 1: The column level is missing."),
        ("respondent,group\nP-001,Family\n", "Row 1: The columns rubric, key_action, level are missing."),
        ("", "The file is empty."),
        (HEADER + "\n", "The file has a header row but no ratings."),
        (HEADER + "\nP-001,Family,x,1,2,\0\n", "The file holds NUL characters"),
        (HEADER + '\nP-001,Family,x,1,2,"' + "x" * 200_000 + '"\n', "Row 2 cannot be read as CSV"),
    ],
    ids=["one-column-missing", "columns-missing", "empty", "header-only", "nul-byte", "huge-cell"],
)
def test_an_unreadable_file_is_refused_before_any_row(text, message):
    with pytest.raises(ValidationError) as error:
        parse_csv(text)
    assert error.value.messages[0].startswith(message)


def test_a_file_must_be_utf8_and_at_most_2_mb():
    with pytest.raises(ValidationError, match="The file is not UTF-8 text"):
        decode_upload(csv_text(*rows_for(group="Família")).encode("latin-1"))
    with pytest.raises(ValidationError, match="The file is larger than 2 MB"):
        decode_upload(b"x" * (2 * 1024 * 1024 + 1))
    assert decode_upload(b"\xef\xbb\xbfrespondent") == "respondent"


# One respondent's form (service)


def test_one_paper_form_is_saved(open_round, org, facilitator):
    answers = all_not_sure(open_round)
    first = key_actions(open_round)[0]
    answers[0] = PaperAnswer(
        key_action_id=first.pk, level_id=first.rubric.levels.get(position=4).pk, not_sure=False, evidence=" Yes "
    )
    response = paper_response_create(
        round=open_round,
        respondent_code=" P-007 ",
        stakeholder_group=group(org, "Advocate"),
        answers=answers,
        entered_by=facilitator,
    )
    response.refresh_from_db()
    assert (response.respondent_code, response.stakeholder_group.name) == ("P-007", "Advocate")
    assert response.entered_by_proxy and response.entered_by == facilitator and response.submitted_at
    assert Rating.objects.get(key_action=first).evidence == "Yes"
    assert counts() == (1, 9)


def _answers_with(round_, change):
    answers = all_not_sure(round_)
    first = key_actions(round_)[0]
    return change(answers, first)


def _level_of_another_rubric(answers, first):
    other = Level.objects.filter(rubric__slug__in=[CAE, BSD]).exclude(rubric=first.rubric).first()
    answers[0] = PaperAnswer(key_action_id=first.pk, level_id=other.pk, not_sure=False, evidence="")
    return answers


def _key_action_outside(answers, first):
    rubric = Rubric.objects.create(slug="outside", title="Outside", row_heading="R")
    outside = KeyAction.objects.create(rubric=rubric, position=1, title="Outside")
    return [*answers, PaperAnswer(key_action_id=outside.pk, level_id=None, not_sure=True, evidence="")]


def _both(answers, first):
    level = first.rubric.levels.first()
    answers[0] = PaperAnswer(key_action_id=first.pk, level_id=level.pk, not_sure=True, evidence="")
    return answers


def _neither(answers, first):
    answers[0] = PaperAnswer(key_action_id=first.pk, level_id=None, not_sure=False, evidence="")
    return answers


def _missing(answers, first):
    return answers[1:]


def _twice(answers, first):
    return [*answers, answers[0]]


def _long_evidence(answers, first):
    answers[0] = PaperAnswer(key_action_id=first.pk, level_id=None, not_sure=True, evidence="x" * 2001)
    return answers


def _nul_in_evidence(answers, first):
    answers[0] = PaperAnswer(key_action_id=first.pk, level_id=None, not_sure=True, evidence="a\x00b")
    return answers


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_level_of_another_rubric, "That level does not belong to this key action's rubric."),
        (_key_action_outside, "That key action is not part of this round."),
        (_both, "Choose a level or “Not sure”, not both."),
        (_neither, "Choose a level or “Not sure” for Building Support through Data, key action 1."),
        (_missing, "Respondent P-001 has no answer for Building Support through Data, key action 1"),
        (_twice, "Respondent P-001 answers Building Support through Data, key action 1 twice."),
        (_long_evidence, "Evidence can be at most 2000 characters (this has 2001)."),
        (_nul_in_evidence, "Null characters are not allowed."),
    ],
    ids=["foreign-level", "key-action-outside", "both", "neither", "missing", "twice", "long-evidence", "nul"],
)
def test_a_bad_paper_form_saves_nothing(open_round, org, change, message):
    with pytest.raises(ValidationError) as error:
        paper_response_create(
            round=open_round,
            respondent_code="P-001",
            stakeholder_group=group(org),
            answers=_answers_with(open_round, change),
            entered_by=None,
        )
    assert any(m.startswith(message) for m in error.value.messages), error.value.messages
    assert counts() == (0, 0)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("  ", "The respondent code is missing."),
        ("P" * 51, "The respondent code can be at most 50 characters."),
        ("P-\x00", "Null characters are not allowed."),
    ],
)
def test_a_paper_form_needs_a_usable_code(open_round, org, code, message):
    with pytest.raises(ValidationError, match=message):
        paper_response_create(
            round=open_round,
            respondent_code=code,
            stakeholder_group=group(org),
            answers=all_not_sure(open_round),
            entered_by=None,
        )
    assert counts() == (0, 0)


def test_a_paper_form_refuses_a_code_in_use_and_another_organizations_group(open_round, org, other_org):
    fields = {"round": open_round, "answers": all_not_sure(open_round), "entered_by": None}
    paper_response_create(respondent_code="P-001", stakeholder_group=group(org), **fields)
    with pytest.raises(ValidationError, match="Respondent code P-001 is already used in this round"):
        paper_response_create(respondent_code="P-001", stakeholder_group=group(org), **fields)
    foreign = StakeholderGroupFactory(organization=other_org, name="Family")
    with pytest.raises(ValidationError, match="That stakeholder group belongs to another organization."):
        paper_response_create(respondent_code="P-002", stakeholder_group=foreign, **fields)
    assert counts() == (1, 9)


def test_a_paper_form_in_a_draft_is_refused(draft, org):
    with pytest.raises(StateConflict):
        paper_response_create(
            round=draft,
            respondent_code="P-001",
            stakeholder_group=group(org),
            answers=all_not_sure(draft),
            entered_by=None,
        )
    assert counts() == (0, 0)


def test_paper_responses_do_not_disturb_online_ones(open_round, org):
    (invitation,) = invite(open_round, group=group(org))
    first = key_actions(open_round)[0]
    rating_save(invitation=invitation, key_action_id=first.pk, level_id=None, not_sure=True, evidence="")
    import_csv(open_round, csv_text(*rows_for()))
    assert Response.objects.filter(entered_by_proxy=False, invitation=invitation).count() == 1
    assert Response.objects.filter(entered_by_proxy=True).count() == 1


# The pages


def entry_url(round_):
    return reverse("assessments:paper_entry", args=[round_.pk])


def upload_url(round_):
    return reverse("assessments:paper_upload", args=[round_.pk])


def csv_file(text: str | bytes, name="ratings.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8") if isinstance(text, str) else text, "text/csv")


@pytest.mark.parametrize("url", [entry_url, upload_url], ids=["entry", "upload"])
@pytest.mark.parametrize(
    ("persona", "status"),
    [(None, 302), ("outsider", 404), ("lead", 403), ("stakeholder", 403), ("facilitator", 200)],
)
def test_only_the_organizations_facilitators_enter_paper_ratings(client, request, open_round, url, persona, status):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(url(open_round))
    assert response.status_code == status
    if persona is None:
        assert response["Location"].startswith(reverse("login"))
    assert client.post(url(open_round)).status_code == (400 if status == 200 else status)
    assert counts() == (0, 0)


def form_data(round_, code="P-001", group_pk=None, level="not_sure"):
    data = {"respondent_code": code, "stakeholder_group": group_pk or ""}
    for key_action in key_actions(round_):
        data[f"ka-{key_action.pk}-level"] = level
        data[f"ka-{key_action.pk}-evidence"] = ""
    return data


def test_the_entry_form_shows_every_key_action_like_the_rating_page(client, facilitator, open_round):
    client.force_login(facilitator)
    html = client.get(entry_url(open_round)).content.decode()
    for key_action in key_actions(open_round):
        assert f'<fieldset class="key-action card mb-4" id="ka-{key_action.pk}"' in html
        assert html.count(f'name="ka-{key_action.pk}-level"') == 5
        assert f'for="ka-{key_action.pk}-level-not-sure"' in html
    assert "hx-post" not in html  # no autosave: one respondent is saved at once
    assert " disabled" not in html.split("<main")[1]
    assert 'name="respondent_code"' in html and 'name="stakeholder_group"' in html


def test_the_entry_form_saves_one_respondent_and_comes_back_empty(client, facilitator, open_round, org):
    client.force_login(facilitator)
    data = form_data(open_round, group_pk=group(org, "Provider").pk)
    first = key_actions(open_round)[0]
    data[f"ka-{first.pk}-level"] = str(first.rubric.levels.get(position=3).pk)
    data[f"ka-{first.pk}-evidence"] = "Quarterly meetings"

    response = client.post(entry_url(open_round), data, follow=True)

    assert response.redirect_chain == [(entry_url(open_round), 302)]
    assert "The paper ratings of respondent P-001 are saved." in response.content.decode()
    saved = Response.objects.get()
    assert (saved.respondent_code, saved.stakeholder_group.name, saved.entered_by) == ("P-001", "Provider", facilitator)
    assert saved.entered_by_proxy and saved.submitted_at
    rating = Rating.objects.get(key_action=first)
    assert (rating.level.position, rating.evidence) == (3, "Quarterly meetings")
    assert Rating.objects.filter(not_sure=True).count() == 8


def test_the_entry_form_refuses_a_missing_answer_and_keeps_what_was_typed(client, facilitator, open_round, org):
    client.force_login(facilitator)
    data = form_data(open_round, group_pk=group(org).pk)
    first, second = key_actions(open_round)[:2]
    del data[f"ka-{first.pk}-level"]
    data[f"ka-{first.pk}-evidence"] = "Typed before the mistake"
    data[f"ka-{second.pk}-level"] = "²"

    response = client.post(entry_url(open_round), data)

    assert response.status_code == 400
    assert counts() == (0, 0)
    html = response.content.decode()
    assert 'role="alert"' in html and "Nothing was saved" in html
    assert f'<a href="#ka-{first.pk}" class="alert-link">' in html
    assert "Choose a level or “Not sure”." in html and "Choose one of the levels shown." in html
    assert f'aria-describedby="error-{first.pk}"' in html
    assert "Typed before the mistake" in html
    assert 'value="P-001"' in html
    assert html.count('value="not_sure" checked') == 7


def test_the_entry_form_refuses_a_code_in_use(client, facilitator, open_round, org):
    client.force_login(facilitator)
    client.post(entry_url(open_round), form_data(open_round, group_pk=group(org).pk))
    response = client.post(entry_url(open_round), form_data(open_round, group_pk=group(org).pk))
    assert response.status_code == 400
    assert "Respondent code P-001 is already used in this round" in response.content.decode()
    assert counts() == (1, 9)


def test_the_entry_form_refuses_another_organizations_group(client, facilitator, open_round, other_org):
    client.force_login(facilitator)
    foreign = StakeholderGroupFactory(organization=other_org)
    response = client.post(entry_url(open_round), form_data(open_round, group_pk=foreign.pk))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert counts() == (0, 0)


def test_the_paper_pages_refuse_a_draft(client, facilitator, draft, org):
    client.force_login(facilitator)
    for url in (entry_url(draft), upload_url(draft)):
        page = client.get(url)
        assert page.status_code == 200
        assert "Paper ratings can be entered once the round has opened." in page.content.decode()
        assert 'type="submit" class="btn btn-primary"' not in page.content.decode()
    assert client.post(entry_url(draft), form_data(draft, group_pk=group(org).pk)).status_code == 409
    assert client.post(upload_url(draft), {"file": csv_file(csv_text(*rows_for()))}).status_code == 409
    assert counts() == (0, 0)


@pytest.mark.parametrize("status", [RoundStatus.OPEN, RoundStatus.CLOSED])
def test_an_upload_saves_every_respondent(client, facilitator, open_round, status):
    if status == RoundStatus.CLOSED:
        round_close(round=open_round)
    client.force_login(facilitator)
    text = csv_text(*rows_for("P-001"), *rows_for("P-002", "Advocate"))
    response = client.post(upload_url(open_round), {"file": csv_file(text)}, follow=True)
    assert response.redirect_chain == [(upload_url(open_round), 302)]
    assert "The paper ratings of 2 respondents are saved." in response.content.decode()
    assert counts() == (2, 18)
    assert set(Response.objects.values_list("entered_by", flat=True)) == {facilitator.pk}


def test_a_bad_upload_lists_each_bad_row_and_saves_nothing(client, facilitator, open_round):
    client.force_login(facilitator)
    rows = rows_for("P-001")
    rows[0] = "P-001,Family,nope,1,2,"
    rows[5] = f"P-001,Family,{BSD},1,7,"
    response = client.post(upload_url(open_round), {"file": csv_file(csv_text(*rows, *rows_for("P-002")))})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and "Nothing was saved" in html
    assert "Row 2: “nope” is not a rubric of this round" in html
    assert "Row 7: Level 7 is out of range" in html
    assert counts() == (0, 0)


def test_the_same_upload_twice_is_refused(client, facilitator, open_round):
    client.force_login(facilitator)
    text = csv_text(*rows_for("P-001"))
    client.post(upload_url(open_round), {"file": csv_file(text)})
    response = client.post(upload_url(open_round), {"file": csv_file(text)})
    assert response.status_code == 400
    assert "Respondent code P-001 is already used in this round" in response.content.decode()
    assert counts() == (1, 9)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("respondent;grupo\nP-001;Família\n".encode("latin-1"), "The file is not UTF-8 text."),
        (b"x" * (2 * 1024 * 1024 + 1), "The file is larger than 2 MB."),
        (b"", "The submitted file is empty."),
    ],
    ids=["latin-1", "too-large", "empty"],
)
def test_an_unreadable_upload_is_refused(client, facilitator, open_round, content, message):
    client.force_login(facilitator)
    response = client.post(upload_url(open_round), {"file": csv_file(content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == (0, 0)


def test_the_upload_page_explains_the_format_for_this_round(client, facilitator, open_round):
    client.force_login(facilitator)
    html = client.get(upload_url(open_round)).content.decode()
    assert HEADER in html
    assert f"<code>{CAE}</code>" in html and f"<code>{BSD}</code>" in html
    assert "1–5" in html and "1–4" in html
    assert "Family, Educator, Administrator, Provider, Advocate, Other" in html


# The command


def write(tmp_path, text: str):
    path = tmp_path / "ratings.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_command_imports_a_file(tmp_path, open_round, facilitator):
    out = StringIO()
    path = write(tmp_path, csv_text(*rows_for("P-001"), *rows_for("P-002")))
    call_command("import_ratings", open_round.pk, str(path), "--entered-by", facilitator.email.upper(), stdout=out)
    assert out.getvalue().startswith("2 respondents imported into round")
    assert set(Response.objects.values_list("entered_by", flat=True)) == {facilitator.pk}


def test_the_command_writes_each_problem_to_stderr_and_saves_nothing(tmp_path, open_round):
    rows = rows_for("P-001")
    rows[0] = "P-001,Nobody,creating-active-engagement,1,2,"
    err = StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_ratings", open_round.pk, str(write(tmp_path, csv_text(*rows))), stderr=err)
    assert "Row 2: “Nobody” is not a stakeholder group of this organization" in err.getvalue()
    assert counts() == (0, 0)


def test_the_command_exits_non_zero_on_problems(tmp_path, open_round, capsys, monkeypatch):
    path = write(tmp_path, csv_text(*rows_for(level="9")))
    # manage.py closes the connections when a command ends, which would end this test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "import_ratings", str(open_round.pk), str(path)])
    assert exit_.value.code == 1
    assert "Row 2: Level 9 is out of range" in capsys.readouterr().err
    assert counts() == (0, 0)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["999999", "{file}"], "no round 999999"),
        (["{round}", "{missing}"], "cannot read"),
        (["{round}", "{file}", "--entered-by", "nobody@example.org"], "no person with the e-mail address"),
        (["{round}", "{file}", "--entered-by", "{lead}"], "is not a facilitator of"),
    ],
    ids=["unknown-round", "unreadable-file", "unknown-person", "not-a-facilitator"],
)
def test_the_command_refuses_bad_arguments(tmp_path, open_round, lead, arguments, message):
    path = write(tmp_path, csv_text(*rows_for()))
    values = {"file": path, "missing": tmp_path / "missing.csv", "round": open_round.pk, "lead": lead.email}
    with pytest.raises(CommandError, match=message):
        call_command("import_ratings", *[argument.format(**values) for argument in arguments])
    assert counts() == (0, 0)


def test_the_command_refuses_a_draft(tmp_path, draft):
    with pytest.raises(CommandError, match="once the round has opened"):
        call_command("import_ratings", draft.pk, str(write(tmp_path, csv_text(*rows_for()))))
    assert counts() == (0, 0)
