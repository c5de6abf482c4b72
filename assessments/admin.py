"""Site administrators' view of rounds. State changes (opening, closing,
inviting) go through the facilitators' pages, whose services send the e-mails
and keep the links consistent, so here they are shown, not edited."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Invitation, Rating, Response, Round, RoundRubric, SentMessage
from .rounds.selectors import round_has_ratings


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown for inspection; deleting stays possible, so that a round (and
    everything under it) can still be deleted."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class RoundRubricInline(admin.TabularInline):
    """A round's rubrics, which no longer change once it has ratings (as in
    `round_update`): its results must stay reproducible."""

    model = RoundRubric
    extra = 0
    raw_id_fields = ["rubric"]

    def _frozen(self, obj: Round | None) -> bool:
        return obj is not None and round_has_ratings(round=obj)

    def has_add_permission(self, request: HttpRequest, obj: Round | None = None) -> bool:
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Round | None = None) -> bool:
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Round | None = None) -> bool:
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "organization", "status", "opens_at", "closes_at", "threshold"]
    list_filter = ["status", "organization"]
    search_fields = ["name", "team__name", "organization__name"]
    date_hierarchy = "opens_at"
    raw_id_fields = ["team", "organization", "created_by"]
    list_select_related = ["team", "organization"]
    # The status changes through the services, which send the e-mails.
    readonly_fields = [
        "status",
        "opened_at",
        "closed_at",
        "auto_reminder_sent_at",
        "results_revision",
        "created_by",
        "created_at",
    ]
    inlines = [RoundRubricInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Round | None = None) -> list[str]:
        # The anonymity threshold is fixed once ratings exist, as in `round_update`.
        if obj is not None and round_has_ratings(round=obj):
            return [*self.readonly_fields, "threshold"]
        return list(self.readonly_fields)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["user", "round", "stakeholder_group", "revoked_at", "created_at"]
    list_filter = ["round__organization", "revoked_at"]
    search_fields = ["user__email", "user__name", "round__name"]
    list_select_related = ["user", "round__team", "stakeholder_group"]
    # The nonce (with the secret key) makes the link: it is never shown. The
    # hash alone opens nothing.
    fields = ["round", "user", "stakeholder_group", "revoked_at", "token_hash", "created_at"]
    # The group is the one the results count the person in from their first
    # answer; the services never change it.
    readonly_fields = ["round", "user", "stakeholder_group", "token_hash", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Only the service makes a working link.
        return False


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "round", "stakeholder_group", "entered_by_proxy", "submitted_at", "updated_at"]
    list_filter = ["entered_by_proxy", "round__organization"]
    search_fields = ["respondent_code", "invitation__user__email", "round__name"]
    list_select_related = ["round__team", "stakeholder_group", "invitation__user", "invitation__round__team"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    """Ratings by round, never by respondent: no page shows a named person's
    levels (SPEC §3), the admin's neither. Not even a response's number, which
    the response list beside would turn into a name."""

    list_display = ["round", "key_action", "level", "not_sure", "updated_at"]
    list_filter = ["not_sure", "response__round__organization"]
    list_select_related = ["response__round__team", "key_action", "level"]
    fields = readonly_fields = ("round", "key_action", "level", "not_sure", "evidence", "updated_at")

    @admin.display(description=_("round"), ordering="response__round")
    def round(self, rating: Rating) -> Round:
        return rating.response.round

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        """Only the filters offered. Django also allows every step of a
        filter's path, and `?response=<id>`, a step towards the
        organization, would list one respondent's levels."""
        offered = any(lookup == path or lookup.startswith(f"{path}__") for path in self.list_filter)
        return offered and super().lookup_allowed(lookup, value, request)


@admin.register(SentMessage)
class SentMessageAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "kind", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["kind", "status"]
    search_fields = ["recipient"]
