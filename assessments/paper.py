"""Paper ratings: the answers of respondents who rated on paper at a meeting,
which a facilitator enters with a form (one per respondent) or uploads as a
CSV file. This module reads and checks them; services.paper_response_create
and services.paper_ratings_import save them.

Every problem is reported at once, each with the CSV row it comes from (rows
numbered as a spreadsheet shows them, the header being row 1), so that a
facilitator fixes the file in one go."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from convening.models import StakeholderGroup
from convening.uploads import decode_utf8
from rubrics.models import KeyAction, Level, Rubric

from .models import EVIDENCE_MAX_LENGTH, Response, Round

MAX_BYTES = 2 * 1024 * 1024
# Beyond this many problems the file is plainly the wrong one; listing
# thousands of them would help nobody.
MAX_PROBLEMS = 100
RESPONDENT_CODE_MAX_LENGTH = Response._meta.get_field("respondent_code").max_length
REQUIRED_COLUMNS = ("respondent", "group", "rubric", "key_action", "level")
COLUMNS = (*REQUIRED_COLUMNS, "evidence")
NOT_SURE = "not_sure"

# PostgreSQL text cannot hold NUL; Django's own wording (and translations).
_NUL_MESSAGE = ProhibitNullCharactersValidator.message
# (CSV row or None, message)
Problem = tuple[int | None, str]


@dataclass(frozen=True)
class PaperRow:
    """One CSV row as written (cells trimmed)."""

    row: int
    respondent: str
    group: str
    rubric: str
    key_action: str
    level: str
    evidence: str


@dataclass(frozen=True)
class PaperAnswer:
    """One key action as marked on paper: a level or "Not sure", and evidence."""

    key_action_id: int
    level_id: int | None
    not_sure: bool
    evidence: str
    row: int | None = None  # the CSV row it came from, for messages


@dataclass
class PaperSheet:
    """One respondent's paper form."""

    respondent_code: str
    stakeholder_group: StakeholderGroup | None  # None only while a file is read, until a row names it
    answers: list[PaperAnswer]
    row: int | None = None  # the respondent's first CSV row
    # Some of its rows were refused already: its missing answers are not
    # reported a second time.
    rows_refused: bool = False


def whole_number(text: str) -> int | None:
    """The number `text` writes in ASCII digits, or None. ("²" passes
    str.isdigit() but not int(); more than 18 digits fit no database id.)"""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def located(row: int | None, message: str) -> str:
    return _("Row %(row)d: %(problem)s") % {"row": row, "problem": message} if row else message


def problems_error(problems: list[Problem]) -> ValidationError:
    """One error holding every problem, in row order (those of no row last)."""
    ordered = sorted(problems, key=lambda problem: (problem[0] is None, problem[0] or 0))
    messages = [located(row, message) for row, message in ordered[:MAX_PROBLEMS]]
    if len(ordered) > MAX_PROBLEMS:
        more = len(ordered) - MAX_PROBLEMS
        messages.append(
            ngettext("…and %(count)d more problem.", "…and %(count)d more problems.", more) % {"count": more}
        )
    return ValidationError(messages)


# The round's content -----------------------------------------------------------


class RoundContent:
    """The round's key actions and levels, loaded once (two queries) to check
    every answer against."""

    def __init__(self, round_: Round) -> None:
        key_actions = list(
            KeyAction.objects.filter(rubric__round_rubrics__round=round_)
            .select_related("rubric")
            .order_by("rubric__round_rubrics__position", "position")
        )
        self.key_actions: dict[int, KeyAction] = {key_action.pk: key_action for key_action in key_actions}
        # In the round's order, each once.
        self.rubrics: list[Rubric] = list({ka.rubric_id: ka.rubric for ka in key_actions}.values())
        self.levels: dict[int, Level] = {
            level.pk: level
            for level in Level.objects.filter(rubric__round_rubrics__round=round_).order_by("rubric_id", "position")
        }
        self.levels_by_rubric: dict[int, list[Level]] = defaultdict(list)
        for level in self.levels.values():
            self.levels_by_rubric[level.rubric_id].append(level)
        self.key_actions_by_position = {(ka.rubric_id, ka.position): ka for ka in key_actions}
        self.key_action_counts: dict[int, int] = defaultdict(int)
        for key_action in key_actions:
            self.key_action_counts[key_action.rubric_id] += 1
        self.rubrics_by_slug: dict[str, list[Rubric]] = defaultdict(list)
        for rubric in self.rubrics:
            self.rubrics_by_slug[rubric.slug.casefold()].append(rubric)

    def label(self, key_action_id: int) -> str:
        key_action = self.key_actions[key_action_id]
        return _("%(rubric)s, key action %(position)d") % {
            "rubric": key_action.rubric.title,
            "position": key_action.position,
        }


# CSV files -----------------------------------------------------------------------


def check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(max)d MB. Split it into smaller files and upload each one.")
            % {"max": MAX_BYTES // (1024 * 1024)},
            code="too_large",
        )


def decode_upload(data: bytes) -> str:
    check_size(len(data))
    return decode_utf8(data)


def _column_name(cell: str) -> str:
    """ "Key action", "key-action" and "KEY_ACTION" all name one column."""
    return "_".join(cell.strip().casefold().replace("-", " ").split())


def parse_csv(text: str) -> list[PaperRow]:
    """The rows of a CSV file whose first row names the columns (in any order;
    other columns are ignored). Separated by commas, or by semicolons or tabs
    as some spreadsheets save them."""
    check_size(len(text.encode("utf-8")))
    if "\x00" in text:
        # Text never holds them (PostgreSQL refuses them): it is another kind of file.
        raise ValidationError(
            _("The file holds NUL characters, so it is not a CSV text file. Save it as “CSV UTF-8” and try again.")
        )
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[PaperRow] = []
    columns: dict[str, int] | None = None
    try:
        # Every record counts as a row, blank ones too, so that the numbers
        # match the rows a spreadsheet shows.
        for number, cells in enumerate(reader, start=1):
            if columns is None:
                columns = _columns(cells)
                continue
            if not any(cell.strip() for cell in cells):
                continue
            values = {name: cells[index].strip() if index < len(cells) else "" for name, index in columns.items()}
            rows.append(PaperRow(row=number, evidence=values.pop("evidence", ""), **values))
    except csv.Error as error:
        raise ValidationError(
            _("Row %(row)d cannot be read as CSV (%(error)s).") % {"row": reader.line_num, "error": error}
        ) from None
    if columns is None:
        raise ValidationError(_("The file is empty."))
    if not rows:
        raise ValidationError(_("The file has a header row but no ratings."))
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _column_name(cell)
        if name in COLUMNS:
            columns.setdefault(name, index)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        message = ngettext(
            "The column %(columns)s is missing. The first row must name the columns %(all)s.",
            "The columns %(columns)s are missing. The first row must name the columns %(all)s.",
            len(missing),
        )
        raise problems_error([(1, message % {"columns": ", ".join(missing), "all": ", ".join(COLUMNS)})])
    return columns


def _level_choice(text: str, rubric: Rubric, levels: list[Level]) -> tuple[Level | None, bool]:
    """(level, not_sure) for a level written as its position, its name or
    "not sure", whatever the capitals."""
    folded = " ".join(text.casefold().replace("_", " ").split())
    if folded in {"not sure", _("Not sure").casefold()}:
        return None, True
    position = whole_number(folded)
    if position is not None:
        by_position = {level.position: level for level in levels}
        if position in by_position:
            return by_position[position], False
        raise ValidationError(
            _("Level %(level)s is out of range: %(rubric)s has levels 1 to %(count)d.")
            % {"level": text, "rubric": rubric.title, "count": len(levels)}
        )
    for level in levels:
        if level.name.casefold() == folded:
            return level, False
    raise ValidationError(
        _(
            "“%(level)s” is not a level of %(rubric)s: write a number from 1 to %(count)d, "
            "a level name (%(names)s) or “not sure”."
        )
        % {
            "level": text,
            "rubric": rubric.title,
            "count": len(levels),
            "names": ", ".join(level.name for level in levels),
        }
    )


def _answer_from_row(row: PaperRow, content: RoundContent) -> PaperAnswer:
    """The answer a row gives; ValidationError says what is wrong with it."""
    rubrics = content.rubrics_by_slug.get(row.rubric.casefold(), [])
    if not rubrics:
        raise ValidationError(
            _("“%(rubric)s” is not a rubric of this round: use %(slugs)s.")
            % {"rubric": row.rubric, "slugs": ", ".join(rubric.slug for rubric in content.rubrics)}
        )
    if len(rubrics) > 1:
        raise ValidationError(
            _("Two rubrics of this round have the slug “%(rubric)s”; enter these respondents with the form instead.")
            % {"rubric": row.rubric}
        )
    rubric = rubrics[0]
    key_action = content.key_actions_by_position.get((rubric.pk, whole_number(row.key_action)))
    if key_action is None:
        raise ValidationError(
            _("%(rubric)s has no key action “%(key_action)s”: write its position, 1 to %(count)d.")
            % {"rubric": rubric.title, "key_action": row.key_action, "count": content.key_action_counts[rubric.pk]}
        )
    level, not_sure = _level_choice(row.level, rubric, content.levels_by_rubric[rubric.pk])
    return PaperAnswer(
        key_action_id=key_action.pk,
        level_id=level.pk if level else None,
        not_sure=not_sure,
        evidence=row.evidence,
        row=row.row,
    )


def sheets_from_rows(
    rows: list[PaperRow], *, content: RoundContent, groups: QuerySet[StakeholderGroup]
) -> tuple[list[PaperSheet], list[Problem]]:
    """The respondents the rows describe, in order of first appearance, and
    the problems of the rows that could not be read (left out of the sheets)."""
    groups_by_name = {group.name.casefold(): group for group in groups}
    sheets: dict[str, PaperSheet] = {}
    group_rows: dict[str, int] = {}  # where each respondent's group was first given
    problems: list[Problem] = []
    for row in rows:
        empty = [name for name in REQUIRED_COLUMNS if not getattr(row, name)]
        if not row.respondent:
            problems.append((row.row, _("The respondent code is missing.")))
            continue
        sheet = sheets.setdefault(row.respondent, PaperSheet(row.respondent, None, [], row=row.row))
        row_problems: list[str] = []
        if empty:
            row_problems.append(
                ngettext("The column %(columns)s is empty.", "The columns %(columns)s are empty.", len(empty))
                % {"columns": ", ".join(empty)}
            )
        else:
            group = groups_by_name.get(row.group.casefold())
            if group is None:
                row_problems.append(
                    _("“%(group)s” is not a stakeholder group of this organization: use %(groups)s.")
                    % {"group": row.group, "groups": ", ".join(g.name for g in groups_by_name.values())}
                )
            elif sheet.stakeholder_group is None:
                sheet.stakeholder_group, group_rows[row.respondent] = group, row.row
            elif sheet.stakeholder_group != group:
                row_problems.append(
                    _("Respondent %(code)s is in the group “%(first)s” on row %(first_row)d but “%(group)s” here.")
                    % {
                        "code": row.respondent,
                        "first": sheet.stakeholder_group,
                        "first_row": group_rows[row.respondent],
                        "group": row.group,
                    }
                )
            try:
                sheet.answers.append(_answer_from_row(row, content))
            except ValidationError as error:
                row_problems.extend(error.messages)
        if row_problems:
            problems.extend((row.row, message) for message in row_problems)
            sheet.rows_refused = True
    return [sheet for sheet in sheets.values() if sheet.stakeholder_group is not None], problems


# Checks every paper form gets, from the form page or a file ------------------------


def sheet_problems(
    sheets: list[PaperSheet], *, content: RoundContent, organization_id: int, taken_codes: set[str]
) -> list[Problem]:
    """What stops these respondents from being saved: their codes (missing,
    too long, already in the round), their group, and their answers (each key
    action of the round exactly once, with a level of its rubric or "Not sure")."""
    problems: list[Problem] = []
    for sheet in sheets:
        code = sheet.respondent_code
        if not code:
            problems.append((sheet.row, _("The respondent code is missing.")))
        elif "\x00" in code:
            problems.append((sheet.row, _NUL_MESSAGE))
        elif len(code) > RESPONDENT_CODE_MAX_LENGTH:
            message = _("The respondent code can be at most %(max)d characters.")
            problems.append((sheet.row, message % {"max": RESPONDENT_CODE_MAX_LENGTH}))
        elif code in taken_codes:
            message = _("Respondent code %(code)s is already used in this round: a respondent is never counted twice.")
            problems.append((sheet.row, message % {"code": code}))
        if sheet.stakeholder_group.organization_id != organization_id:
            problems.append((sheet.row, _("That stakeholder group belongs to another organization.")))
        problems.extend(_answer_problems(sheet, content))
    return problems


def _answer_problems(sheet: PaperSheet, content: RoundContent) -> list[Problem]:
    problems: list[Problem] = []
    first_rows: dict[int, int | None] = {}
    for answer in sheet.answers:
        key_action = content.key_actions.get(answer.key_action_id)
        if key_action is None:
            problems.append((answer.row, _("That key action is not part of this round.")))
            continue
        if answer.key_action_id in first_rows:
            first_row = first_rows[answer.key_action_id]
            message = _("Respondent %(code)s answers %(key_action)s twice.") % {
                "code": sheet.respondent_code,
                "key_action": content.label(key_action.pk),
            }
            if first_row:
                message = f"{message} {_('The first answer is on row %(row)d.') % {'row': first_row}}"
            problems.append((answer.row, message))
            continue
        first_rows[answer.key_action_id] = answer.row
        level = content.levels.get(answer.level_id) if answer.level_id is not None else None
        if answer.level_id is not None and (level is None or level.rubric_id != key_action.rubric_id):
            problems.append((answer.row, _("That level does not belong to this key action's rubric.")))
        elif answer.level_id is not None and answer.not_sure:
            problems.append((answer.row, _("Choose a level or “Not sure”, not both.")))
        elif answer.level_id is None and not answer.not_sure:
            message = _("Choose a level or “Not sure” for %(key_action)s.")
            problems.append((answer.row, message % {"key_action": content.label(key_action.pk)}))
        evidence = answer.evidence.strip()
        if "\x00" in evidence:
            problems.append((answer.row, _NUL_MESSAGE))
        if len(evidence) > EVIDENCE_MAX_LENGTH:
            problems.append(
                (
                    answer.row,
                    _("Evidence can be at most %(max)d characters (this has %(count)d).")
                    % {"max": EVIDENCE_MAX_LENGTH, "count": len(evidence)},
                )
            )
    missing = [pk for pk in content.key_actions if pk not in first_rows]
    if missing and not sheet.rows_refused:
        problems.append(
            (
                None,
                _(
                    "Respondent %(code)s has no answer for %(key_actions)s: "
                    "every key action needs a level or “not sure”."
                )
                % {"code": sheet.respondent_code, "key_actions": "; ".join(content.label(pk) for pk in missing)},
            )
        )
    return problems


# Forms ---------------------------------------------------------------------------


def level_field(key_action: KeyAction) -> str:
    """The field names of the rating page, so both pages share one template."""
    return f"ka-{key_action.pk}-level"


def evidence_field(key_action: KeyAction) -> str:
    return f"ka-{key_action.pk}-evidence"


class PaperResponseForm(forms.Form):
    """One respondent's paper form: their code, their group, and for every key
    action of the round a level or "Not sure" and the evidence written."""

    respondent_code = forms.CharField(
        label=gettext_lazy("Respondent code"),
        max_length=RESPONDENT_CODE_MAX_LENGTH,
        help_text=gettext_lazy("The code on the paper form, e.g. P-001. Each code can be entered once per round."),
    )
    stakeholder_group = forms.ModelChoiceField(
        label=gettext_lazy("Stakeholder group"),
        queryset=StakeholderGroup.objects.none(),
        empty_label=gettext_lazy("Choose a group"),
    )

    def __init__(self, *args: object, rubrics: list[Rubric], groups: QuerySet[StakeholderGroup], **kwargs: object):
        super().__init__(*args, **kwargs)
        self.rubrics = rubrics
        self.fields["stakeholder_group"].queryset = groups
        for rubric in rubrics:
            choices = [(str(level.pk), level.name) for level in rubric.levels.all()] + [(NOT_SURE, _("Not sure"))]
            for key_action in rubric.key_actions.all():
                self.fields[level_field(key_action)] = forms.ChoiceField(
                    label=key_action.title,
                    choices=choices,
                    error_messages={
                        "required": gettext_lazy("Choose a level or “Not sure”."),
                        "invalid_choice": gettext_lazy("Choose one of the levels shown."),
                    },
                )
                self.fields[evidence_field(key_action)] = forms.CharField(
                    label=gettext_lazy("Evidence or comments (optional)"),
                    required=False,
                    max_length=EVIDENCE_MAX_LENGTH,
                )

    def answers(self) -> list[PaperAnswer]:
        answers = []
        for rubric in self.rubrics:
            for key_action in rubric.key_actions.all():
                level = self.cleaned_data[level_field(key_action)]
                answers.append(
                    PaperAnswer(
                        key_action_id=key_action.pk,
                        level_id=None if level == NOT_SURE else int(level),
                        not_sure=level == NOT_SURE,
                        evidence=self.cleaned_data[evidence_field(key_action)],
                    )
                )
        return answers

    def sections(self) -> list[dict]:
        """The rubrics and key actions as the shared fieldset template shows
        them, with what was posted and its errors, so nothing typed is lost."""
        sections = []
        for rubric in self.rubrics:
            items = []
            for key_action in rubric.key_actions.all():
                level = self.data.get(level_field(key_action), "")
                fields = (level_field(key_action), evidence_field(key_action))
                errors = [message for field in fields for message in self.errors.get(field, [])]
                items.append(
                    {
                        "key_action": key_action,
                        "level_id": whole_number(level),
                        "not_sure": level == NOT_SURE,
                        "evidence": self.data.get(evidence_field(key_action), ""),
                        "error": " ".join(errors),
                    }
                )
            sections.append({"rubric": rubric, "items": items})
        return sections


class PaperUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("UTF-8 text, at most 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> list[PaperRow]:
        upload = self.cleaned_data["file"]
        check_size(upload.size)  # before reading a byte of it
        return parse_csv(decode_upload(upload.read()))
