"""A round's results as an Excel workbook: "About" (the round, its dates, its threshold and what is held
back), a sheet per rubric (one table: each key action's team figures, then each stakeholder group's), then
the consensus and the action plan.

Written in openpyxl's write-only mode, row by row, so a workbook of any size costs one row's memory. Each
table has a bold header row frozen above it, set column widths, numbers stored as numbers, and cells a
group is held back from left empty, with the reason in the "Note" column."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from assessments.models import ActionPlan
from assessments.results.computation import RoundResults, RubricResult
from assessments.results.presentation import group_row, release_notes

from .tables import figure_cells, figure_headers, safe_text

SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E7E9EC")
WRAP = Alignment(wrap_text=True, vertical="top")
DATE_FORMAT = "yyyy-mm-dd"


def _sheet_title(title: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique."""
    base = title.translate(SHEET_NAME_FORBIDDEN).strip()[:SHEET_NAME_MAX] or _("Rubric")
    name, number = base, 2
    while name.casefold() in taken:
        suffix = f" ({number})"
        name, number = base[: SHEET_NAME_MAX - len(suffix)] + suffix, number + 1
    taken.add(name.casefold())
    return name


def _table(
    sheet: WriteOnlyWorksheet, headers: Sequence[str], widths: Sequence[int], rows: Iterable[Sequence[object]]
) -> None:
    """A header row, bold and frozen, then the rows; texts typed by people are never read as formulas."""
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    header = []
    for title in headers:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])


def _cell(sheet: WriteOnlyWorksheet, value: object) -> object:
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def _rubric_rows(rubric_result: RubricResult, *, threshold: int) -> Iterable[list[object]]:
    level_count = len(rubric_result.levels)
    empty = [None] * (level_count + 6)
    for result in rubric_result.key_actions:
        key = [rubric_result.rubric.slug, result.key_action.position, result.key_action.title]
        consensus = result.consensus.position if result.consensus else None
        if result.stats is None:
            yield [*key, _("Whole team"), *empty, consensus, _("Not shown")]
            continue
        yield [*key, _("Whole team"), *figure_cells(result.stats, level_count), consensus, ""]
        for group in result.groups:
            if group.suppressed or group.stats is None:
                reason = group_row(group, result.levels, threshold=threshold).suppressed_text
                yield [*key, group.name, *empty, None, reason]
            else:
                yield [*key, group.name, *figure_cells(group.stats, level_count), None, ""]


def _about_rows(results: RoundResults) -> list[list[object]]:
    round_ = results.round
    with timezone.override(round_.organization.time_zone):
        opened = round_.opened_at or round_.opens_at
        closed = round_.closed_at or round_.closes_at
        rows: list[list[object]] = [
            [_("Round"), round_.name],
            [_("Team"), round_.team.name],
            [_("Organization"), round_.organization.name],
            [_("Opened"), date_format(timezone.localtime(opened), "DATETIME_FORMAT")],
            [
                _("Closed") if round_.closed_at else _("Closes"),
                date_format(timezone.localtime(closed), "DATETIME_FORMAT"),
            ],
            [_("Submitted"), results.submitted],
            [_("Anonymity threshold"), round_.threshold],
            [
                _("What “not shown” means"),
                _(
                    "A stakeholder group's figures are shown only when at least %(k)d of its people responded, "
                    "so that no one's answers can be recognized. Its cells are left empty, and the Note column "
                    "says why."
                )
                % {"k": round_.threshold},
            ],
        ]
    return rows + [[_("Note"), note] for note in release_notes(results)]


def results_workbook(results: RoundResults, action_plans: Mapping[int, ActionPlan]) -> bytes:
    """`action_plans` maps key action ids to plans with their steps (planning.selectors.round_action_plans)."""
    workbook = Workbook(write_only=True)
    taken = {_("About").casefold(), _("Consensus").casefold(), _("Action plan").casefold()}
    round_ = results.round
    about = workbook.create_sheet(_("About"))
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 28, 100
    for label, value in _about_rows(results):
        label_cell = WriteOnlyCell(about, value=label)
        label_cell.font, label_cell.alignment = HEADER_FONT, WRAP
        value_cell = WriteOnlyCell(about, value=safe_text(value))
        value_cell.alignment = WRAP
        about.append([label_cell, value_cell])
    key_headers = [_("Rubric"), _("Key action"), _("Title")]
    for rubric_result in results.rubrics:
        sheet = workbook.create_sheet(_sheet_title(rubric_result.rubric.title, taken))
        level_names = [level.name for level in rubric_result.levels]
        headers = [*key_headers, _("Stakeholder group"), *figure_headers(level_names), _("Consensus"), _("Note")]
        widths = [30, 10, 50, 22, 6, 9, *[13] * len(level_names), 8, 8, 10, 8, 11, 40]
        _table(sheet, headers, widths, _rubric_rows(rubric_result, threshold=round_.threshold))
    consensus_rows: list[list[object]] = []
    plan_rows: list[list[object]] = []
    for rubric_result in results.rubrics:
        for result in rubric_result.key_actions:
            key: list[object] = [rubric_result.rubric.slug, result.key_action.position, result.key_action.title]
            agreed = result.consensus
            consensus_rows.append([*key, agreed.position, agreed.name] if agreed else key)
            plan = action_plans.get(result.key_action.pk)
            if plan is None:
                continue
            target = [*key, plan.target_level.name]
            steps: list[list[object]] = [
                [*target, s.description, s.owner, s.due_date, s.get_status_display()] for s in plan.steps.all()
            ]
            plan_rows += steps or [target]
    _table(
        workbook.create_sheet(_("Consensus")),
        [*key_headers, _("Agreed level"), _("Level name")],
        [30, 10, 50, 12, 22],
        consensus_rows,
    )
    _table(
        workbook.create_sheet(_("Action plan")),
        [*key_headers, _("Target level"), _("Step"), _("Owner"), _("Due date"), _("Status")],
        [30, 10, 50, 18, 60, 22, 12, 14],
        plan_rows,
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
