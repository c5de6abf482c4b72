"""A round's results as files: results CSV, anonymized ratings CSV, an Excel
workbook and the PDF report. Every file is built from `round_results`, so a
suppressed stakeholder group's figures are in none of them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from .history import AnonymousRating
from .models import ActionPlan
from .results import RoundResults, RubricResult, results_as_json
from .results_display import group_row, key_action_display

REPORT_CSS = Path(settings.BASE_DIR) / "static" / "css" / "report.css"
# A spreadsheet reads a text starting with these as a formula; group names and
# titles are typed by people, so such a text is written with a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def _text(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _safe_rows(rows: Iterable[Sequence[object]]) -> list[list[object]]:
    return [[_text(value) for value in row] for row in rows]


def write_csv(rows: Iterable[Sequence[object]]) -> str:
    # The byte-order mark makes spreadsheet programs read the file as UTF-8.
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer).writerows(_safe_rows(rows))
    return buffer.getvalue()


# Aggregated results ----------------------------------------------------------------


def _figure_cells(figures: dict, level_count: int) -> list[object]:
    counts = figures["counts"] + [None] * (level_count - len(figures["counts"]))
    discuss = _("yes") if figures["discuss"] else _("no")
    return [figures["n"], figures["not_sure"], *counts, figures["median"], figures["mean"], figures["agreement"]] + [
        discuss
    ]


def _figure_headers(level_names: Sequence[str]) -> list[str]:
    return [_("n"), _("Not sure"), *level_names, _("Median"), _("Mean"), _("Agreement"), _("Discuss")]


def _rubric_rows(
    rubric_result: RubricResult, data: dict, *, threshold: int, level_count: int
) -> tuple[list[list], list[list]]:
    """(key action rows, stakeholder group rows) of one rubric, from its
    results and their exchange shape (`results_as_json`, whose rounding the
    files share): rubric slug, key action position and title, [group,] the
    figures, [consensus]. A suppressed group has the reason in place of its
    figures, in the words of the results page."""
    team_rows, group_rows = [], []
    for result, figures in zip(rubric_result.key_actions, data["key_actions"], strict=True):
        key = [data["slug"], figures["position"], figures["title"]]
        team_rows.append([*key, *_figure_cells(figures, level_count), figures["consensus"]])
        for group, group_figures in zip(result.groups, figures["groups"], strict=True):
            if group.suppressed:
                reason = group_row(group, result.levels, threshold=threshold).suppressed_text
                group_rows.append([*key, group.name, reason])
            else:
                group_rows.append([*key, group.name, *_figure_cells(group_figures, level_count)])
    return team_rows, group_rows


def results_csv(results: RoundResults) -> str:
    """One table: every key action's team figures, then every stakeholder
    group's. Rubrics with fewer levels leave the last level columns empty."""
    level_count = max((len(rubric.levels) for rubric in results.rubrics), default=0)
    level_headers = [_("Level %(position)d") % {"position": p} for p in range(1, level_count + 1)]
    key_headers = [_("Rubric"), _("Key action"), _("Title")]
    team_rows, group_rows = [], []
    data = results_as_json(results)["rubrics"]
    for rubric_result, rubric_data in zip(results.rubrics, data, strict=True):
        team, groups = _rubric_rows(
            rubric_result, rubric_data, threshold=results.round.threshold, level_count=level_count
        )
        team_rows += team
        group_rows += groups
    return write_csv(
        [
            [*key_headers, *_figure_headers(level_headers), _("Consensus")],
            *team_rows,
            [],
            [*key_headers, _("Stakeholder group"), *_figure_headers(level_headers)],
            *group_rows,
        ]
    )


# Anonymized ratings ----------------------------------------------------------------

# The columns of the paper-ratings upload (SPEC §4 item 3), so the file reads
# like one; not interface text, hence not translated.
RATINGS_HEADER = ["respondent", "group", "rubric", "key_action", "level"]
NOT_SURE = "Not sure"


def ratings_csv(ratings: Iterable[AnonymousRating]) -> str:
    return write_csv(
        [
            RATINGS_HEADER,
            *(
                [r.respondent, r.group, r.rubric_slug, r.key_action, NOT_SURE if r.level is None else r.level]
                for r in ratings
            ),
        ]
    )


# Excel workbook ----------------------------------------------------------------------


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
    action ids to plans with their steps (selectors.round_action_plans)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken = {_("Consensus").casefold(), _("Action plan").casefold()}
    round_ = results.round
    heading = [
        [_("Round"), round_.name],
        [_("Team"), round_.team.name],
        [_("Submitted"), results.submitted],
        [_("Anonymity threshold"), round_.threshold],
        [],
    ]
    key_headers = [_("Rubric"), _("Key action"), _("Title")]
    data = results_as_json(results)["rubrics"]
    for rubric_result, rubric_data in zip(results.rubrics, data, strict=True):
        sheet = workbook.create_sheet(_sheet_title(rubric_result.rubric.title, taken))
        level_names = [level.name for level in rubric_result.levels]
        team_rows, group_rows = _rubric_rows(
            rubric_result, rubric_data, threshold=round_.threshold, level_count=len(level_names)
        )
        rows = [
            *heading,
            [*key_headers, *_figure_headers(level_names), _("Consensus")],
            *team_rows,
            [],
            [*key_headers, _("Stakeholder group"), *_figure_headers(level_names)],
            *group_rows,
        ]
        for row in _safe_rows(rows):
            sheet.append(row)
    consensus_rows = [[*key_headers, _("Agreed level"), _("Level name")]]
    plan_rows = [[*key_headers, _("Target level"), _("Step"), _("Owner"), _("Due date"), _("Status")]]
    for rubric_result in results.rubrics:
        for result in rubric_result.key_actions:
            key = [rubric_result.rubric.slug, result.key_action.position, result.key_action.title]
            agreed = result.consensus
            consensus_rows.append([*key, agreed.position, agreed.name] if agreed else key)
            plan = action_plans.get(result.key_action.pk)
            if plan is None:
                continue
            target = [*key, plan.target_level.name]
            steps = [[*target, s.description, s.owner, s.due_date, s.get_status_display()] for s in plan.steps.all()]
            plan_rows += steps or [target]
    for title, rows in ((_("Consensus"), consensus_rows), (_("Action plan"), plan_rows)):
        sheet = workbook.create_sheet(title)
        for row in _safe_rows(rows):
            sheet.append(row)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# PDF report ----------------------------------------------------------------------------


def report_html(results: RoundResults, action_plans: Mapping[int, ActionPlan]) -> str:
    """The print page: the results page's charts and tables (through the same
    `key_action_display`), then the action plan in key action order."""
    threshold = results.round.threshold
    sections = [
        (rubric_result, [key_action_display(result, threshold=threshold) for result in rubric_result.key_actions])
        for rubric_result in results.rubrics
    ]
    plans = [
        (result, action_plans[result.key_action.pk])
        for rubric_result in results.rubrics
        for result in rubric_result.key_actions
        if result.key_action.pk in action_plans
    ]
    return render_to_string(
        "assessments/report/print.html",
        {"results": results, "round": results.round, "sections": sections, "plans": plans, "now": timezone.now()},
    )


def html_to_pdf(html: str) -> bytes:
    # Imported here, not at the top: WeasyPrint loads Pango, which only the
    # worker that makes reports needs.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    # The report is self-contained (inline SVG, our stylesheet passed in):
    # whatever else it would fetch is refused, so it never reaches the network.
    fetcher = URLFetcher(allowed_protocols=("data",))
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[CSS(filename=str(REPORT_CSS), url_fetcher=fetcher)])
