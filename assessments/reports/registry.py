"""Every file a round's results can be downloaded as, keyed by its kind: its
name, its type, where its link leads and how it is built. A new format is
one entry here; formats made in the background (`background=True`) are
built by a worker into a `ReportExport` of that kind, the others on request.

Who may download is the results' rule (`results_view(need="results.read")`),
and every builder reads `round_results`, so small groups stay hidden in
every file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from assessments.models import ActionPlan, ReportKind, Round, RoundStatus
from assessments.planning.selectors import round_action_plans
from assessments.results.computation import RoundResults, round_results
from convening import languages

from . import pdf, tables, workbook
from .selectors import anonymized_ratings

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"

# Background builders report their progress (a percentage) as they go.
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Format:
    kind: str
    label: Promise
    stem: str  # files are called <round>-<id>-<stem>.<extension>
    extension: str
    content_type: str
    # A file made on request may come in pieces (texts), streamed as they are made.
    build: Callable[[Round, Progress], str | bytes | Iterable[str]]
    background: bool = False
    closed_only: bool = False  # offered once the round has closed (SPEC §5.1 rule 4)

    def offered_for(self, round_: Round) -> bool:
        return not self.closed_only or round_.status == RoundStatus.CLOSED

    def download_name(self, round_: Round) -> str:
        return f"{slugify(round_.name) or 'round'}-{round_.pk}-{self.stem}.{self.extension}"

    @property
    def url_name(self) -> str:
        """Where the link to this format leads: the file itself, or the page
        that asks a worker for one and shows its progress."""
        return "assessments:round_report" if self.background else f"assessments:export_{self.kind}"


def _results(round_: Round) -> RoundResults:
    """In the language the file is made in: the reader's (a worker makes it
    in the requester's, reports.building), rubric texts included."""
    return round_results(round=round_, language=languages.current())


def _results_csv(round_: Round, progress: Progress) -> list[str]:
    return tables.results_csv(_results(round_))


def _ratings_csv(round_: Round, progress: Progress) -> Iterator[str]:
    return tables.ratings_csv(anonymized_ratings(results=_results(round_)))


def _action_plans(round_: Round, results: RoundResults) -> dict[int, ActionPlan]:
    """The round's plans, their target levels named as `results` names them
    (in the file's language)."""
    levels = {level.pk: level for rubric_result in results.rubrics for level in rubric_result.levels}
    plans = round_action_plans(round=round_)
    for plan in plans.values():
        plan.target_level = levels.get(plan.target_level_id, plan.target_level)
    return plans


def _results_xlsx(round_: Round, progress: Progress) -> bytes:
    results = _results(round_)
    return workbook.results_workbook(results, _action_plans(round_, results))


REPORT_RESULTS_READ, REPORT_PAGE_RENDERED, REPORT_PDF_MADE = 30, 50, 90


def _round_pdf(round_: Round, progress: Progress) -> bytes:
    results = _results(round_)
    progress(REPORT_RESULTS_READ)
    html = pdf.report_html(results, _action_plans(round_, results))
    progress(REPORT_PAGE_RENDERED)
    document = pdf.html_to_pdf(html)
    progress(REPORT_PDF_MADE)
    return document


FORMATS: dict[str, Format] = {
    entry.kind: entry
    for entry in (
        Format("results_csv", _("Figures per key action (CSV)"), "results", "csv", CSV, _results_csv),
        Format("ratings_csv", _("Anonymized ratings (CSV)"), "ratings", "csv", CSV, _ratings_csv, closed_only=True),
        Format("results_xlsx", _("Workbook (Excel)"), "results", "xlsx", XLSX, _results_xlsx),
        Format(ReportKind.ROUND_PDF, _("PDF report"), "report", "pdf", PDF, _round_pdf, background=True),
    )
}
