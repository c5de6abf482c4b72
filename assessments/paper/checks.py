"""Checking paper ratings against the round: the answers of respondents who
rated on paper, read from a file or entered with a form. Every problem is
reported at once, each with the CSV row it comes from, so that a
facilitator fixes the file in one go."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import cast

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.models import EVIDENCE_MAX_LENGTH, Response, Round
from convening.models import StakeholderGroup
from convening.text import comparison_key
from rubrics.models import KeyAction, Level, Rubric

from .parsing import REQUIRED_COLUMNS, PaperRow, Problem

RESPONDENT_CODE_MAX_LENGTH = cast(int, Response._meta.get_field("respondent_code").max_length)


NOT_SURE = "not_sure"


# PostgreSQL text cannot hold NUL; Django's own wording (and translations).
_NUL_MESSAGE = ProhibitNullCharactersValidator.message


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
    position = whole_number(row.key_action)
    key_action = content.key_actions_by_position.get((rubric.pk, position)) if position is not None else None
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
    groups_by_name = {key: group for group in groups for key in group.keys}  # a name in any language
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
            group = groups_by_name.get(comparison_key(row.group))
            if group is None:
                row_problems.append(
                    _("“%(group)s” is not a stakeholder group of this organization: use %(groups)s.")
                    % {"group": row.group, "groups": ", ".join(str(g) for g in groups)}
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
            problems.append((sheet.row, str(_NUL_MESSAGE)))
        elif len(code) > RESPONDENT_CODE_MAX_LENGTH:
            message = _("The respondent code can be at most %(max)d characters.")
            problems.append((sheet.row, message % {"max": RESPONDENT_CODE_MAX_LENGTH}))
        elif code in taken_codes:
            message = _("Respondent code %(code)s is already used in this round: a respondent is never counted twice.")
            problems.append((sheet.row, message % {"code": code}))
        if sheet.stakeholder_group is None or sheet.stakeholder_group.organization_id != organization_id:
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
            problems.append((answer.row, str(_NUL_MESSAGE)))
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
