"""A round's results as files (readers of results): those made on request,
and the background reports, whose page shows their progress while a worker
makes them. Which files there are is the registry's list."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from assessments.access import ResultsAccess, get_report_for, results_view
from assessments.models import ReportKind, ReportStatus
from assessments.web import problem_page
from convening.web import AuthenticatedHttpRequest

from . import services
from .registry import FORMATS
from .selectors import RatingsNotOffered, round_reports


@require_GET
@never_cache
@results_view(need="results.read")
def export(request: AuthenticatedHttpRequest, access: ResultsAccess, kind: str) -> HttpResponseBase:
    """A file built on request; `kind` comes from the URL pattern, never from the request."""
    file_format = FORMATS[kind]
    try:
        content = file_format.build(access.round, lambda _progress: None)
    except RatingsNotOffered as refusal:
        return problem_page(request, access.round, str(refusal), status=409)
    services.export_record(round=access.round, by=request.user, kind=kind)
    headers = {"Content-Disposition": content_disposition_header(True, file_format.download_name(access.round))}
    if isinstance(content, str | bytes):
        return HttpResponse(content, content_type=file_format.content_type, headers=headers)
    return StreamingHttpResponse(content, content_type=file_format.content_type, headers=headers)


@require_http_methods(["GET", "POST"])
@never_cache
@results_view(need="results.read")
def round_report(request: AuthenticatedHttpRequest, access: ResultsAccess) -> HttpResponse:
    """The round's PDF reports with their progress; posting asks for a new
    one. htmx polls the status part while a report is being made."""
    round_ = access.round
    if request.method == "POST":
        services.report_request(round=round_, requested_by=request.user, kind=ReportKind.ROUND_PDF)
        return redirect("assessments:round_report", pk=round_.pk)
    reports = list(round_reports(round=round_))
    context = {"round": round_, "reports": reports, "polling": any(report.is_in_progress for report in reports)}
    template = "assessments/report/_status.html" if request.htmx else "assessments/report/page.html"
    return render(request, template, context)


@require_GET
@login_required
def report_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    report = get_report_for(request.user, pk)
    if report.status != ReportStatus.DONE or not report.file:
        raise Http404
    file_format = FORMATS[report.kind]
    response = FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=file_format.download_name(report.round),
        content_type=file_format.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
