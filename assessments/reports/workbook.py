"""A round's results as an Excel workbook: a sheet per rubric, then the
consensus and the action plan."""

from __future__ import annotations

import io
from collections.abc import Mapping

from django.utils.translation import gettext as _
from openpyxl import Workbook

from assessments.models import ActionPlan
from assessments.results.computation import RoundResults
from assessments.results.presentation import release_notes

from .tables import figure_headers, rubric_rows, safe_rows

SHEET_NAME_MAX = 31


SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def _sheet_title(title: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique."""
    base = title.translate(SHEET_NAME_FORBIDDEN).strip()[:SHEET_NAME_MAX] or _("Rubric")
    name, number = base, 2
    while name.casefold() in taken:
        suffix = f" ({number})"
        name, number = base[: SHEET_NAME_MAX - len(suffix)] + suffix, number + 1
    taken.add(name.casefold())
    return name


def results_workbook(results: RoundResults, action_plans: Mapping[int, ActionPlan]) -> bytes:
    """A sheet per rubric (the key actions' figures, then the stakeholder
    groups'), a "Consensus" sheet and an "Action plan" sheet (a row per step;
    a plan without steps yet has a row of its own). `action_plans` maps key
    action ids to plans with their steps (planning.selectors.round_action_plans)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken = {_("Consensus").casefold(), _("Action plan").casefold()}
    round_ = results.round
    notes: list[list[object]] = [[_("Note"), note] for note in release_notes(results)]
    heading: list[list[object]] = [
        [_("Round"), round_.name],
        [_("Team"), round_.team.name],
        [_("Submitted"), results.submitted],
        [_("Anonymity threshold"), round_.threshold],
        *notes,
        [],
    ]
    key_headers = [_("Rubric"), _("Key action"), _("Title")]
    for rubric_result in results.rubrics:
        sheet = workbook.create_sheet(_sheet_title(rubric_result.rubric.title, taken))
        level_names = [level.name for level in rubric_result.levels]
        team_rows, group_rows = rubric_rows(rubric_result, threshold=round_.threshold, level_count=len(level_names))
        rows: list[list[object]] = [
            *heading,
            [*key_headers, *figure_headers(level_names), _("Consensus")],
            *team_rows,
            [],
            [*key_headers, _("Stakeholder group"), *figure_headers(level_names)],
            *group_rows,
        ]
        for row in safe_rows(rows):
            sheet.append(row)
    consensus_rows: list[list[object]] = [[*key_headers, _("Agreed level"), _("Level name")]]
    plan_rows: list[list[object]] = [
        [*key_headers, _("Target level"), _("Step"), _("Owner"), _("Due date"), _("Status")]
    ]
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
    for title, rows in ((_("Consensus"), consensus_rows), (_("Action plan"), plan_rows)):
        sheet = workbook.create_sheet(title)
        for row in safe_rows(rows):
            sheet.append(row)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
