from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import services
from .models import AccountInvitation, Membership, Organization, StakeholderGroup, Team, TeamMember, User
from .people.forms import OrganizationStartForm
from .people.services import InviteOutcome, account_invitation_resend, organization_start
from .web import saved


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "language", "is_staff", "is_active"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["name", "language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]})]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class StakeholderGroupInline(admin.TabularInline):
    model = StakeholderGroup
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "created_at"]
    search_fields = ["name"]
    inlines = [StakeholderGroupInline, MembershipInline]

    # The changelist's tools add "Add an organization with its first facilitator" (start_view).
    change_list_template = "convening/people/admin_organization_change_list.html"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            # After the inlines rather than in save_model: groups typed into
            # the inline when adding are kept, and only the missing defaults added.
            services.stakeholder_groups_seed_defaults(organization=form.instance)

    def get_urls(self) -> list[URLPattern]:
        start = path("start/", self.admin_site.admin_view(self.start_view), name="convening_organization_start")
        return [start, *super().get_urls()]

    def start_view(self, request: HttpRequest) -> HttpResponse:
        """An organization with its first facilitator, as create_organization makes it (one service): the
        default stakeholder groups, and the facilitator invited to set a password."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = OrganizationStartForm(request.POST or None)
        if request.method == "POST":
            started = saved(form, lambda data: organization_start(by=request.user, **data))  # type: ignore[arg-type]
            if started is not None:
                organization, invited = started
                if invited.outcome == InviteOutcome.ADDED:
                    message = gettext(
                        "%(email)s had an account with a password: they are its facilitator now, and were told."
                    )
                else:
                    message = gettext("%(email)s was e-mailed a link to set a password and become its facilitator.")
                self.message_user(request, message % {"email": invited.email}, messages.SUCCESS)
                return redirect("admin:convening_organization_change", organization.pk)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.model._meta,
            "title": gettext("Add an organization with its first facilitator"),
        }
        return TemplateResponse(request, "convening/people/admin_start.html", context)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["role", "organization"]
    search_fields = ["user__email", "user__name", "organization__name"]
    autocomplete_fields = ["user", "organization"]


@admin.register(StakeholderGroup)
class StakeholderGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "position"]
    list_filter = ["organization"]


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "created_at"]
    list_filter = ["organization"]
    search_fields = ["name"]
    inlines = [TeamMemberInline]


@admin.register(TeamMember)
class TeamMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "stakeholder_group"]
    list_filter = ["team__organization"]
    search_fields = ["user__email", "user__name", "team__name"]
    autocomplete_fields = ["user", "team"]


@admin.register(AccountInvitation)
class AccountInvitationAdmin(admin.ModelAdmin):
    """Read only: invitations are made, resent and revoked by their services (the people page, the action
    below), which keep their token's hash and the audit trail."""

    list_display = ["email", "organization", "role", "sent_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role", "organization"]
    search_fields = ["email", "organization__name"]
    exclude = ["token_hash"]
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AccountInvitation | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccountInvitation | None = None) -> bool:
        return False

    @admin.action(description=_("Send again, with a new link"))
    def resend(self, request: HttpRequest, queryset: QuerySet[AccountInvitation]) -> None:
        for invitation in queryset:
            try:
                account_invitation_resend(invitation=invitation, by=request.user)  # type: ignore[arg-type]
            except ValidationError as error:
                self.message_user(request, f"{invitation.email}: {' '.join(error.messages)}", messages.WARNING)
            else:
                self.message_user(request, gettext("Sent again to %(email)s.") % {"email": invitation.email})
