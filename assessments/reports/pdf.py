"""A round's report as a PDF: the results page's charts and tables, then
the action plan, drawn by WeasyPrint in a worker."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from assessments.models import ActionPlan
from assessments.results.charts import level_swatch_svg
from assessments.results.computation import RoundResults
from assessments.results.presentation import key_action_display, release_notes

REPORT_CSS = Path(settings.BASE_DIR) / "static" / "css" / "report.css"


def report_html(results: RoundResults, action_plans: Mapping[int, ActionPlan]) -> str:
    """The print page: the results page's charts and tables (through the same
    `key_action_display`), each rubric's with a legend of its levels'
    patterns, then the action plan in key action order; laid out for the
    organization's paper (report.css names a page for each size)."""
    threshold = results.round.threshold
    sections = [
        (
            rubric_result,
            [
                (level, level_swatch_svg(level.position, chart_id=f"legend-{rubric_result.rubric.pk}"))
                for level in rubric_result.levels
            ],
            [key_action_display(result, threshold=threshold) for result in rubric_result.key_actions],
        )
        for rubric_result in results.rubrics
        if results.withheld is None
    ]
    plans = [
        (result, action_plans[result.key_action.pk])
        for rubric_result in results.rubrics
        for result in rubric_result.key_actions
        if result.key_action.pk in action_plans
    ]
    return render_to_string(
        "assessments/report/print.html",
        {
            "results": results,
            "round": results.round,
            "sections": sections,
            "plans": plans,
            "notes": release_notes(results),
            "now": timezone.now(),
            "paper_size": results.round.organization.paper_size,
        },
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
