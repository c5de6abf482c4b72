"""The organization's audit trail, for facilitators: filtered, paginated, and as CSV."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from assessments.reports.tables import write_csv
from convening.access import get_current_organization_for
from convening.models import AuditEvent, AuditKind, Organization
from convening.web import AuthenticatedHttpRequest

from .forms import AuditFilterForm
from .selectors import audit_actor_choices, audit_events_for, audit_round_choices
from .services import audit_trail_export_record

EVENTS_PER_PAGE = 50
CSV_CHUNK = 500


def _filter_form(
    request: AuthenticatedHttpRequest, organization: Organization, rounds: list[tuple[int, str]] | None = None
) -> AuditFilterForm:
    return AuditFilterForm(
        request.GET or None,
        rounds=audit_round_choices(organization=organization) if rounds is None else rounds,
        people=audit_actor_choices(organization=organization),
    )


@require_GET
@never_cache
@login_required
def audit_trail(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = get_current_organization_for(request, need="audit.read")
    rounds = audit_round_choices(organization=organization)
    form = _filter_form(request, organization, rounds)
    events = audit_events_for(organization=organization, **form.filters())
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    # The filter's choices are the organization's rounds: an event links to its round while it exists.
    existing = {pk for pk, _name in rounds}
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "organization": organization,
        "form": form,
        "page": page,
        "rows": [(event, event.round_id in existing) for event in page],
        "query": query.urlencode(),
        "retention_days": organization.audit_retention_days,
    }
    return render(request, "assessments/audit/trail.html", context, status=400 if form.errors else 200)


def _csv_lines(organization: Organization, events: Iterator[AuditEvent]) -> Iterator[str]:
    """The rows in pieces. Every translated word is read before the first piece: the pieces are made
    after the view has returned, when the request's language may no longer be active."""
    header = [_("When"), _("Who"), _("What"), _("Subject"), _("Subject id"), _("Round id"), _("Summary")]
    kinds, schedule = {kind.value: str(kind.label) for kind in AuditKind}, _("The schedule")
    zone = ZoneInfo(organization.time_zone)

    def pieces() -> Iterator[str]:
        yield write_csv([header])
        while chunk := list(islice(events, CSV_CHUNK)):
            rows = [
                [
                    event.created_at.astimezone(zone).isoformat(timespec="seconds"),
                    event.actor_email or schedule,
                    kinds.get(event.kind, event.kind),
                    event.subject_type,
                    event.subject_id,
                    event.round_id,
                    event.summary,
                ]
                for event in chunk
            ]
            yield write_csv(rows, first=False)

    return pieces()


@require_GET
@never_cache
@login_required
def audit_trail_csv(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    """The filtered trail as CSV, streamed: a trail of years is not held in memory."""
    organization = get_current_organization_for(request, need="audit.read")
    form = _filter_form(request, organization)
    events = audit_events_for(organization=organization, **form.filters()).iterator(chunk_size=CSV_CHUNK)
    audit_trail_export_record(organization=organization, by=request.user)
    name = f"audit-trail-{timezone.localdate():%Y-%m-%d}.csv"
    return StreamingHttpResponse(
        _csv_lines(organization, events),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, name)},
    )
