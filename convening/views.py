import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language
from django_ratelimit.core import is_ratelimited

from . import demo, languages, password_reset, people_csv, services
from .access import (
    SESSION_ORGANIZATION_KEY,
    get_current_organization_for,
    get_organization_for,
    get_stakeholder_group_for,
    get_team_for,
    get_team_member_for,
    get_team_with_capabilities_for,
)
from .celery import app as celery_app
from .client_address import client_rate_key
from .forms import (
    PasswordResetForm,
    ProfileForm,
    StakeholderGroupChoiceForm,
    StakeholderGroupForm,
    TeamForm,
    TeamMemberAddForm,
    TeamMembersConfirmForm,
    TeamMembersImportForm,
    other_languages,
)
from .models import Team
from .selectors import (
    memberships_for,
    person_name_in,
    stakeholder_groups_for,
    stakeholder_groups_with_team_counts,
    stakeholder_groups_with_usage,
    team_members_for,
    teams_for,
)
from .tasks import send_password_reset
from .web import AuthenticatedHttpRequest, confirmation_page, forget_this_device, saved

MEMBERS_PER_PAGE = 100


class LoginView(auth_views.LoginView):
    """A first sign-in keeps the language the page was read in (the browser's,
    or one picked from the menu), rather than switching to the account's
    default; later ones follow the profile (UserLanguageMiddleware)."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "demo_logins": demo.demo_logins(), "demo_password": demo.PASSWORD}

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if user.last_login is None:
            services.user_adopt_language(user_id=user.pk, language=languages.current())
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    """Signing out also clears what this browser kept of the person's answers."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        return forget_this_device(super().post(request, *args, **kwargs))


def _typed_address(group: str, request: HttpRequest) -> str:
    return request.POST.get("email", "").strip().lower()


class PasswordResetView(auth_views.PasswordResetView):
    """Queues the mail (convening/password_reset.py says why the request does
    the same for every address), within limits per address and per client."""

    form_class = PasswordResetForm

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        limited = [
            is_ratelimited(
                self.request,
                group="convening.password_reset.address",
                key=_typed_address,
                rate=password_reset.ADDRESS_RATE,
                increment=True,
            ),
            is_ratelimited(
                self.request,
                group="convening.password_reset.client",
                key=client_rate_key,
                rate=password_reset.CLIENT_RATE,
                increment=True,
            ),
        ]
        if any(limited):
            form.add_error(
                None, _("Too many requests for this address or from your network. Wait an hour and try again.")
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        send_password_reset.delay_on_commit(form.cleaned_data["email"], translation.get_language())
        return HttpResponseRedirect(self.get_success_url())


# Outside ATOMIC_REQUESTS' transaction: when the database is down, opening that
# transaction would fail before the view could answer 503.
@transaction.non_atomic_requests
@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and orchestrators: 200 when the database (and the
    broker, where one is configured) answers, 503 otherwise. A shared cache
    that does not answer is reported ("degraded") but still 200: the site
    works without it (see convening/cache.py), and a load balancer that took
    every web process out for it would turn a slowdown into an outage."""
    checks: dict[str, str] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 — any failure means unhealthy, and is reported as such
        checks["database"] = "error"
        healthy = False
    if settings.CELERY_BROKER_URL:
        try:
            with celery_app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception:  # noqa: BLE001
            checks["broker"] = "error"
            healthy = False
    if not settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):  # a process's own memory is never down
        # Our Redis backend misses instead of raising, so the probe is a write read back. `add`, not `set`:
        # a skipped add leaves nothing to undo once the cache is back.
        probe = secrets.token_hex(8)
        try:
            answers = cache.add(f"healthz:{probe}", probe, timeout=10) and cache.get(f"healthz:{probe}") == probe
        except Exception:  # noqa: BLE001 — another backend may raise; that is the same answer
            answers = False
        checks["cache"] = "ok" if answers else "error"
    if not healthy:
        status = "error"
    elif checks.get("cache") == "error":
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse({"status": status, **checks}, status=200 if healthy else 503)


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language, plus remembering the choice on the person's
    account so that it follows them to other devices and into e-mails."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=language)
    return set_language(request)


@login_required
@require_POST
def organization_switch(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        pk = int(request.POST.get("organization", ""))
    except ValueError:
        return HttpResponse(_("Choose an organization."), status=400)
    organization = get_organization_for(request.user, pk)
    request.session[SESSION_ORGANIZATION_KEY] = organization.pk
    messages.success(request, _("You are now working in %(name)s.") % {"name": organization.name})
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    return HttpResponseRedirect(next_url)


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your profile was saved."))
        return redirect("convening:profile")
    return render(request, "convening/profile.html", {"form": form, "memberships": memberships_for(user=request.user)})


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    organization = get_current_organization_for(request, need="team.read")
    return render(
        request,
        "convening/team_list.html",
        {"organization": organization, "teams": teams_for(organization=organization)},
    )


@login_required
def team_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = get_current_organization_for(request, need="team.manage")
    form = TeamForm(request.POST or None)
    if request.method == "POST":
        team = saved(form, lambda data: services.team_create(organization=organization, by=request.user, **data))
        if team is not None:
            messages.success(request, _("The team “%(name)s” was created. Now add its members.") % {"name": team.name})
            return redirect("convening:team_detail", pk=team.pk)
    return render(request, "convening/team_form.html", {"form": form, "organization": organization, "team": None})


@login_required
def team_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    team = get_team_for(request.user, pk, need="team.manage")
    form = TeamForm(request.POST or None, initial={"name": team.name, "description": team.description})
    if (
        request.method == "POST"
        and saved(form, lambda data: services.team_update(team=team, by=request.user, **data)) is not None
    ):
        messages.success(request, _("The team was saved."))
        return redirect("convening:team_detail", pk=team.pk)
    return render(request, "convening/team_form.html", {"form": form, "organization": team.organization, "team": team})


@login_required
def team_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    team, capabilities = get_team_with_capabilities_for(request.user, pk, need="team.read")
    groups = list(stakeholder_groups_with_team_counts(team=team))
    page = Paginator(team_members_for(team=team), MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "team": team,
        "groups": groups,
        "member_total": sum(group.member_count for group in groups),  # type: ignore[attr-defined]  # annotated
        "page": page,
        "capabilities": capabilities,
        "add_form": _member_add_form(team) if "team.manage" in capabilities else None,
    }
    return render(request, "convening/team_detail.html", context)


def _member_add_form(team: Team, data: dict | None = None) -> TeamMemberAddForm:
    return TeamMemberAddForm(data, groups=stakeholder_groups_for(organization=team.organization))


@login_required
def team_member_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    team = get_team_for(request.user, pk, need="team.manage")
    form = _member_add_form(team, request.POST or None)
    if request.method == "POST":
        result = saved(form, lambda data: services.team_member_add(team=team, by=request.user, **data))
        if result is not None:
            member, created = result
            # What the facilitator typed, never the stored name: another organization may have written it.
            typed = form.cleaned_data["name"].strip() or member.user.email
            if created:
                messages.success(request, _("%(name)s was added to the team.") % {"name": typed})
            else:
                messages.info(
                    request,
                    _("%(name)s is already on the team, in the group “%(group)s”: nothing was changed.")
                    % {"name": typed, "group": member.stakeholder_group},
                )
            return redirect("convening:team_detail", pk=team.pk)
    return render(request, "convening/team_member_add.html", {"team": team, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def team_member_remove(request: AuthenticatedHttpRequest, pk: int, member_pk: int) -> HttpResponse:
    """GET: what leaving the team means for the person; POST: take them off it."""
    member = get_team_member_for(request.user, pk, member_pk)
    name = person_name_in(organization=member.team.organization, user=member.user)
    if request.method == "GET":
        return confirmation_page(
            request,
            title=_("Remove %(name)s from %(team)s?") % {"name": name, "team": member.team.name},
            consequences=[
                _("They are no longer offered when the team's next rounds invite its members."),
                _("Invitations they already have stay: revoke one on its round's page to stop their link."),
                _("Ratings they submitted stay in the results, as anonymous responses."),
                _("They stay a member of %(organization)s, and of its other teams.")
                % {"organization": member.team.organization.name},
            ],
            submit_label=_("Remove from the team"),
            cancel_url=reverse("convening:team_detail", args=[pk]),
            danger=True,
        )
    services.team_member_remove(member=member, by=request.user)
    messages.success(request, _("%(name)s was removed from the team.") % {"name": name})
    return redirect("convening:team_detail", pk=pk)


@login_required
@require_POST
def team_member_group(request: AuthenticatedHttpRequest, pk: int, member_pk: int) -> HttpResponse:
    member = get_team_member_for(request.user, pk, member_pk)
    form = StakeholderGroupChoiceForm(
        request.POST, groups=stakeholder_groups_for(organization=member.team.organization)
    )
    if saved(form, lambda data: services.team_member_update_group(member=member, by=request.user, **data)):
        name = person_name_in(organization=member.team.organization, user=member.user)
        messages.success(
            request, _("%(name)s is now in the group “%(group)s”.") % {"name": name, "group": member.stakeholder_group}
        )
    else:
        messages.error(request, _("Choose one of the organization’s stakeholder groups."))
    return redirect("convening:team_detail", pk=pk)


@login_required
def team_members_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Paste or upload → preview (nothing saved) → confirm. The confirm step
    carries the previewed rows signed, and checks them all again, since the
    team or the groups may have changed in between."""
    team = get_team_for(request.user, pk, need="team.manage")
    form = TeamMembersImportForm()
    confirm_errors: list[str] = []
    if request.method == "POST" and "payload" in request.POST:
        confirm = TeamMembersConfirmForm(request.POST, team=team)
        if confirm.is_valid():
            rows = confirm.cleaned_data["payload"]
            try:
                added = services.team_members_import(team=team, rows=rows, by=request.user)
            except ValidationError:
                return _import_preview(request, team, rows, people_csv.rows_text(rows))
            messages.success(
                request,
                ngettext(
                    "%(count)d person was added to the team.", "%(count)d people were added to the team.", len(added)
                )
                % {"count": len(added)},
            )
            return redirect("convening:team_detail", pk=team.pk)
        confirm_errors = [str(error) for error in confirm.errors["payload"]]
    elif request.method == "POST" and "edit" in request.POST:
        # Back from the preview to correct the list: the form again, with the list as it was given.
        form = TeamMembersImportForm(initial={"text": request.POST.get("text", "")})
    elif request.method == "POST":
        form = TeamMembersImportForm(request.POST, request.FILES)
        if form.is_valid():
            return _import_preview(request, team, form.cleaned_data["rows"], form.cleaned_data["source"])
    context = {
        "team": team,
        "form": form,
        "confirm_errors": confirm_errors,
        "groups": stakeholder_groups_for(organization=team.organization),
        "max_rows": people_csv.MAX_ROWS,
        "max_megabytes": people_csv.MAX_BYTES // (1024 * 1024),
    }
    return render(request, "convening/team_members_import.html", context, status=400 if confirm_errors else 200)


def _import_preview(request: HttpRequest, team: Team, rows: list[people_csv.PersonRow], text: str) -> HttpResponse:
    """The preview; `text` is the list as given (an uploaded file's too), for correcting it without pasting it
    again."""
    results = people_csv.check_rows(team=team, rows=rows)
    counts = people_csv.status_counts(results)
    confirmable = not counts[people_csv.RowStatus.ERROR] and counts[people_csv.RowStatus.ADD]
    context = {
        "team": team,
        "text": text,
        "results": results,
        "counts": counts,
        "statuses": people_csv.RowStatus,
        "confirm_form": TeamMembersConfirmForm(
            initial={"payload": people_csv.rows_sign(team=team, rows=rows)}, team=team
        )
        if confirmable
        else None,
    }
    return render(request, "convening/team_members_preview.html", context)


@login_required
def stakeholder_groups(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One page for the organization's groups: add (form `new`), and per
    group rename or delete, told apart by the button's `action`."""
    organization = get_current_organization_for(request, need="team.manage")
    form = StakeholderGroupForm(prefix="new")
    row_error: tuple[int, list[str], str] | None = None
    typed_names: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            form = StakeholderGroupForm(request.POST, prefix="new")
            group = saved(
                form,
                lambda data: services.stakeholder_group_create(
                    organization=organization, name=data["name"], names=form.names(), by=request.user
                ),
            )
            if group is not None:
                messages.success(request, _("The group “%(name)s” was added.") % {"name": group.name})
                return redirect("convening:stakeholder_groups")
        elif action in {"rename", "delete"}:
            group = get_stakeholder_group_for(organization=organization, pk=_posted_pk(request, "group"))
            name = request.POST.get("name", "")
            names = {code: request.POST.get(f"name_{code}", "") for code, _label in other_languages()}
            try:
                if action == "rename":
                    services.stakeholder_group_rename(group=group, name=name, names=names, by=request.user)
                    messages.success(request, _("The group was renamed “%(name)s”.") % {"name": group.name})
                else:
                    services.stakeholder_group_delete(group=group, by=request.user)
                    messages.success(request, _("The group “%(name)s” was deleted.") % {"name": group.name})
                return redirect("convening:stakeholder_groups")
            except ValidationError as error:
                row_error = (group.pk, error.messages, name if action == "rename" else group.name)
                typed_names = names if action == "rename" else {}
        else:
            return HttpResponse(_("Unknown action."), status=400)
    groups = list(stakeholder_groups_with_usage(organization=organization))
    for each in groups:
        # The other languages' names as the row's inputs show them: as typed, when the rename was refused.
        shown = typed_names if row_error and row_error[0] == each.pk else each.names
        each.other_names = [(code, label, shown.get(code, "")) for code, label in other_languages()]  # type: ignore[attr-defined]
    context = {"organization": organization, "groups": groups, "form": form, "row_error": row_error}
    return render(request, "convening/stakeholder_groups.html", context)


@login_required
@require_GET
def stakeholder_group_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation of a group's deletion; the groups page's own form deletes it."""
    organization = get_current_organization_for(request, need="team.manage")
    group = get_stakeholder_group_for(organization=organization, pk=pk)
    return confirmation_page(
        request,
        title=_("Delete the group “%(name)s”?") % {"name": group.name},
        consequences=[
            _("No team member and no round uses it, so no figure changes."),
            _("It is no longer offered when people are added to a team or invited."),
            _("This cannot be undone; a group of the same name can be added again."),
        ],
        submit_label=_("Delete the group"),
        cancel_url=reverse("convening:stakeholder_groups"),
        danger=True,
        hidden={"action": "delete", "group": group.pk},
        action=reverse("convening:stakeholder_groups"),
    )


def _posted_pk(request: HttpRequest, name: str) -> int:
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        raise Http404 from None
