import csv
import io
import itertools
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import ActionPlan, ActionStep, Rating, Response, Round
from assessments.reports.tables import RATINGS_HEADER
from assessments.tests.factories import RoundFactory
from assessments.tests.history_data import CAE, agree, closed_round, lbc, respond
from convening.models import StakeholderGroup
from convening.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

CLOSED = datetime(2027, 3, 1, tzinfo=UTC)
GROUP_SIZES = {"Family": 6, "Educator": 5, "Advocate": 3, "Other": 2}  # Advocate and Other: under k = 5
EXPORTS = ["export_results_csv", "export_ratings_csv", "export_results_xlsx"]


def fingerprint(number: int) -> dict[int, int | None]:
    """Answers to the five key actions that differ for each respondent
    number (base 4), "Not sure" on key action 5 for every third one."""
    digits = [(number // 4**place) % 4 + 1 for place in range(4)]
    return {1: digits[0], 2: digits[1], 3: digits[2], 4: 1, 5: None if number % 3 == 0 else 2}


@pytest.fixture
def round_(org):
    round_ = closed_round(TeamFactory(organization=org, name="SSIP team"), closed_at=CLOSED, name="Spring 2027")
    numbers = itertools.count()
    for group, size in GROUP_SIZES.items():
        respond(round_, group, [fingerprint(next(numbers)) for _ in range(size)])
    respond(round_, "Family", [{1: 4}], submitted=False)  # never submitted: in no file
    Rating.objects.filter(response__round=round_, key_action__position=1).update(evidence="Our secret minutes")
    agree(round_, 1, 3)
    return round_


def _get(client, user, view, round_):
    client.force_login(user)
    return client.get(reverse(f"assessments:{view}", args=[round_.pk]))


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


def test_results_csv_has_the_figures_and_hides_small_groups(client, lead, round_):
    response = _get(client, lead, "export_results_csv", round_)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="spring-2027-{round_.pk}-results.csv"'
    rows = _csv(response)
    assert rows[0] == [
        "Rubric", "Key action", "Title", "n", "Not sure", "Level 1", "Level 2", "Level 3", "Level 4",
        "Median", "Mean", "Agreement", "Discuss", "Consensus",
    ]  # fmt: skip
    first = rows[1]
    assert first[:3] == [CAE, "1", "Coalesce the stakeholders around the issue"]
    assert first[3:9] == ["16", "0", "4", "4", "4", "4"]  # 16 submitted, levels 1–4 in turn
    assert first[-1] == "3"
    assert rows[5][3:5] == ["10", "6"]  # key action 5: every third respondent was not sure
    groups = rows[rows.index([]) + 2 :]
    by_group = {(row[1], row[3]): row for row in groups}
    assert by_group["1", "Family"][4:10] == ["6", "0", "2", "2", "1", "1"]
    # A suppressed group: its name and why, never a figure.
    for name in ("Advocate", "Other"):
        assert by_group["1", name] == [CAE, "1", "Coalesce the stakeholders around the issue", name, _reason(5)]
    assert "Our secret minutes" not in response.getvalue().decode()


def _reason(k):
    return f"Not shown: fewer than {k} responses."


def _respondents(rows):
    """Code → (group, answers) from ratings.csv rows."""
    people: dict[str, tuple[str, dict]] = {}
    for code, group, _slug, position, level in rows[1:]:
        answers = people.setdefault(code, (group, {}))[1]
        answers[int(position)] = None if level == "Not sure" else int(level)
    return people


def test_ratings_csv_is_anonymized_and_blanks_suppressed_groups(client, facilitator, round_):
    # Submission order: the responses were created, and submitted, in fingerprint order.
    submitted = list(Response.objects.filter(round=round_, submitted_at__isnull=False).order_by("pk"))
    by_answers = {tuple(sorted(fingerprint(n).items())): n for n in range(len(submitted))}
    exports = []
    for _ in range(3):
        response = _get(client, facilitator, "export_ratings_csv", round_)
        assert response.status_code == 200 and response.streaming
        body = response.getvalue().decode("utf-8-sig")  # a stream: read once
        assert "Our secret minutes" not in body  # evidence never leaves
        rows = list(csv.reader(io.StringIO(body)))
        assert rows[0] == RATINGS_HEADER
        assert [row[0] for row in rows[1:]] == sorted(row[0] for row in rows[1:])  # sorted by code
        people = _respondents(rows)
        assert sorted(people) == [f"R-{n:03d}" for n in range(1, 17)]  # the unsubmitted one is left out
        assert {group for group, _answers in people.values()} == {"Family", "Educator", ""}  # small groups blank
        # Which submission each code is, recognized by its answers.
        exports.append(
            {code: submitted[by_answers[tuple(sorted(answers.items()))]] for code, (_g, answers) in people.items()}
        )
    for codes in exports:
        assert sorted(r.pk for r in codes.values()) == [r.pk for r in submitted]
    # Drawn afresh for each export: not the submission order, not an id, not the same twice.
    in_code_order = [[codes[code].pk for code in sorted(codes)] for codes in exports]
    assert any(order != sorted(order) for order in in_code_order)
    assert any(int(code[2:]) != r.pk for codes in exports for code, r in codes.items())
    assert len({tuple(order) for order in in_code_order}) > 1


def test_ratings_of_a_shown_group_keep_their_group(client, lead, round_):
    rows = _csv(_get(client, lead, "export_ratings_csv", round_))
    families = {row[0] for row in rows[1:] if row[1] == "Family"}
    assert len(families) == 6


def test_the_workbook_has_an_about_sheet_a_sheet_per_rubric_consensus_and_action_plan(client, lead, round_):
    key_action = lbc(CAE).key_actions.get(position=1)
    plan = ActionPlan.objects.create(round=round_, key_action=key_action, target_level=lbc(CAE).levels.get(position=4))
    ActionStep.objects.create(
        plan=plan, description="Invite families to co-chair", owner="Ana", due_date=date(2027, 4, 1)
    )
    StakeholderGroup.objects.filter(organization=round_.organization, name="Other").update(name="=HYPERLINK(1)")

    response = _get(client, lead, "export_results_xlsx", round_)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["About", "Creating Active Engagement", "Consensus", "Action plan"]
    about = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True)}
    assert about["Round"] == "Spring 2027" and about["Team"] == "SSIP team"
    assert about["Anonymity threshold"] == 5 and about["Submitted"] == 16
    assert "at least 5 of its people responded" in about["What “not shown” means"]
    assert workbook["About"]["A1"].font.b

    sheet = workbook["Creating Active Engagement"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1]) and sheet.column_dimensions["C"].width == 50
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert header[:7] == ["Rubric", "Key action", "Title", "Stakeholder group", "n", "Not sure", "Informing"]
    assert header[-2:] == ["Consensus", "Note"]
    team_row = next(row for row in rows if row[:2] == [CAE, 1] and row[3] == "Whole team")
    assert team_row[4:10] == [16, 0, 4, 4, 4, 4]  # numbers stored as numbers
    assert team_row[header.index("Consensus")] == 3
    assert isinstance(team_row[header.index("Mean")], float) and team_row[header.index("Agreement")] == 0
    advocate = next(row for row in rows if row[3] == "Advocate")
    assert advocate[4 : header.index("Note")] == [None] * (header.index("Note") - 4)  # held back: empty cells
    assert advocate[header.index("Note")] == _reason(5)  # and the reason beside them
    assert any(row[3] == "'=HYPERLINK(1)" for row in rows)  # never read as a formula

    consensus = [list(row) for row in workbook["Consensus"].iter_rows(values_only=True)]
    assert consensus[1][:5] == [CAE, 1, "Coalesce the stakeholders around the issue", 3, "Collaborating"]
    steps = workbook["Action plan"]
    assert steps.freeze_panes == "A2"
    assert [cell.value for cell in steps[2]][3:6] == ["Transforming", "Invite families to co-chair", "Ana"]
    due = steps.cell(row=2, column=7)
    assert due.value.date() == date(2027, 4, 1) and due.number_format == "yyyy-mm-dd"


@pytest.mark.parametrize("view", EXPORTS)
@pytest.mark.parametrize(
    ("persona", "expected"),
    [(None, 302), ("outsider", 404), ("stakeholder", 403), ("facilitator", 200), ("lead", 200)],
)
def test_permission_matrix(client, request, round_, view, persona, expected):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(f"assessments:{view}", args=[round_.pk]))
    assert response.status_code == expected
    if persona is None:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("view", EXPORTS)
def test_an_open_round_exports_only_once_its_results_are_revealed(client, lead, org, view):
    open_round = RoundFactory(team=TeamFactory(organization=org))
    assert _get(client, lead, view, open_round).status_code == 403
    Round.objects.filter(pk=open_round.pk).update(status="open", results_revealed=True)
    if view == "export_ratings_csv":
        # Row by row, an open round's ratings would move with each submission (SPEC §5.1 rule 4).
        response = _get(client, lead, view, open_round)
        assert response.status_code == 409 and "once the round has closed" in response.content.decode()
        return
    assert _get(client, lead, view, open_round).status_code == 200


def test_the_ratings_file_follows_the_rounds_rubric_order_within_each_code(client, lead, org):
    """Two rubrics, the data one chosen first: each respondent's rows come in the round's rubric order,
    then by key action, whatever order the database stored them in."""
    bsd = "building-support-through-data"
    round_ = closed_round(TeamFactory(organization=org), closed_at=CLOSED, rubrics=[lbc(bsd), lbc(CAE)])
    for response in respond(round_, "Family", [{1: 2, 2: 3}], times=5):
        key_action = lbc(bsd).key_actions.get(position=1)
        Rating.objects.create(response=response, key_action=key_action, level=lbc(bsd).levels.get(position=4))
    rows = _csv(_get(client, lead, "export_ratings_csv", round_))[1:]
    for _code, group in itertools.groupby(rows, key=lambda row: row[0]):
        assert [(slug, position) for _c, _g, slug, position, _l in group] == [(bsd, "1"), (CAE, "1"), (CAE, "2")]


# Measured: reading the release and its checks, the figures the file is made from, then one query for
# every row however many there are.
RATINGS_FILE_QUERIES = 31


def test_the_ratings_file_costs_the_same_queries_for_5_respondents_or_40(client, lead, org, django_assert_num_queries):
    round_ = closed_round(TeamFactory(organization=org), closed_at=CLOSED)
    respond(round_, "Family", [fingerprint(1)], times=5)
    _get(client, lead, "export_ratings_csv", round_).getvalue()  # the release is made on the first reading
    with django_assert_num_queries(RATINGS_FILE_QUERIES):
        _get(client, lead, "export_ratings_csv", round_).getvalue()
    respond(round_, "Family", [fingerprint(2)], times=35)
    _get(client, lead, "export_ratings_csv", round_).getvalue()  # a new release for the 35 added since
    with django_assert_num_queries(RATINGS_FILE_QUERIES):
        rows = _csv(_get(client, lead, "export_ratings_csv", round_))
    assert len({row[0] for row in rows[1:]}) == 40


def test_the_ratings_file_is_byte_for_byte_what_a_csv_writer_writes_for_its_rows(client, lead, round_):
    """The file's lines are put together from pieces quoted once (tables.ratings_csv): a name with a
    quote, a separator, a line break and a formula's start comes out as csv.QUOTE_ALL writes it, safe."""
    StakeholderGroup.objects.filter(organization=round_.organization, name="Family").update(
        name='=Family "A", first\nline'
    )
    body = _get(client, lead, "export_ratings_csv", round_).getvalue().decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert {row[1] for row in rows[1:]} >= {'\'=Family "A", first\nline'}
    rewritten = io.StringIO()
    csv.writer(rewritten, quoting=csv.QUOTE_ALL).writerows(rows)
    assert body == "\ufeff" + rewritten.getvalue()
