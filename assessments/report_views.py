"""A round's results as files (facilitators and leads): CSV, anonymized
ratings, an Excel workbook, and the PDF report a worker makes in the
background while its page shows the progress.

Who may download is the results page's rule (`results_views.results_view`
with `readers_only`); the figures come from `round_results`, so small groups stay
hidden in every file."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import exports, services
from .history import anonymized_ratings, get_report_for, round_reports
from .models import ReportStatus, Round
from .results import round_results_cached
from .results_views import readers_only, results_view
from .selectors import ResultsAccess, round_action_plans

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filename(round_: Round, suffix: str) -> str:
    return f"{slugify(round_.name) or 'round'}-{round_.pk}-{suffix}"


def _attachment(content: str | bytes, *, content_type: str, filename: str) -> HttpResponse:
    return HttpResponse(
        content, content_type=content_type, headers={"Content-Disposition": content_disposition_header(True, filename)}
    )


@require_GET
@never_cache
@results_view(need=readers_only)
def export_results_csv(request: HttpRequest, access: ResultsAccess) -> HttpResponse:
    content = exports.results_csv(round_results_cached(round=access.round))
    return _attachment(content, content_type=CSV, filename=_filename(access.round, "results.csv"))


@require_GET
@never_cache
@results_view(need=readers_only)
def export_ratings_csv(request: HttpRequest, access: ResultsAccess) -> HttpResponse:
    ratings = anonymized_ratings(results=round_results_cached(round=access.round))
    return _attachment(exports.ratings_csv(ratings), content_type=CSV, filename=_filename(access.round, "ratings.csv"))


@require_GET
@never_cache
@results_view(need=readers_only)
def export_results_xlsx(request: HttpRequest, access: ResultsAccess) -> HttpResponse:
    round_ = access.round
    content = exports.results_workbook(round_results_cached(round=round_), round_action_plans(round=round_))
    return _attachment(content, content_type=XLSX, filename=_filename(round_, "results.xlsx"))


@require_http_methods(["GET", "POST"])
@never_cache
@results_view(need=readers_only)
def round_report(request: HttpRequest, access: ResultsAccess) -> HttpResponse:
    """The round's PDF reports with their progress; posting asks for a new
    one. htmx polls the status part while a report is being made."""
    round_ = access.round
    if request.method == "POST":
        services.report_request(round=round_, requested_by=request.user)
        return redirect("assessments:round_report", pk=round_.pk)
    reports = list(round_reports(round=round_))
    context = {"round": round_, "reports": reports, "polling": any(report.is_in_progress for report in reports)}
    template = "assessments/report/_status.html" if request.htmx else "assessments/report/page.html"
    return render(request, template, context)


@require_GET
@login_required
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    report = get_report_for(request.user, pk)
    if report.status != ReportStatus.DONE or not report.file:
        raise Http404
    response = FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=_filename(report.round, "report.pdf"),
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response
