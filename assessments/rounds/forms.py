"""Forms of the facilitators' round pages. They check types and ranges; the
services decide everything else (dates in order, rubrics visible, …)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


from django import forms
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.dates import round_dates_errors, validate_in_range
from assessments.models import DEFAULT_THRESHOLD, MIN_THRESHOLD, Round
from convening.models import Organization
from rubrics.models import Rubric
from rubrics.selectors import rubric_library

# What an <input type="datetime-local"> shows and sends (typed in the
# organization's time zone, which the view activates).
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


SMALLINT_MAX = 32767  # the range of the PositiveSmallIntegerField columns


def _datetime_field(label: StrOrPromise) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        validators=[validate_in_range],
    )


class CheckboxList(forms.CheckboxSelectMultiple):
    """Boxes whose field is reached at its first box, so that the error
    summary's link to the field leads somewhere."""

    def id_for_label(self, id_: str, index: str | None = "0") -> str:
        return super().id_for_label(id_, index)


class RubricChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, rubric: Rubric) -> str:
        if rubric.is_builtin:
            return rubric.title
        return _("%(title)s (%(organization)s, version %(version)d)") % {
            "title": rubric.title,
            "organization": rubric.organization.name if rubric.organization else "",
            "version": rubric.version,
        }


class RoundForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=Round._meta.get_field("name").max_length,
        help_text=_("For example “Spring 2027”."),
    )
    rubrics = RubricChoiceField(
        label=_("Rubrics"),
        queryset=Rubric.objects.none(),
        widget=CheckboxList,
        error_messages={"required": _("Choose at least one rubric.")},
    )
    opens_at = _datetime_field(_("Opens at"))
    closes_at = _datetime_field(_("Closes at"))
    threshold = forms.IntegerField(
        label=_("Anonymity threshold (k)"),
        initial=DEFAULT_THRESHOLD,
        min_value=MIN_THRESHOLD,
        max_value=SMALLINT_MAX,
        error_messages={
            "min_value": _(
                "The anonymity threshold cannot be below %(limit_value)s: smaller groups could be recognized."
            )
        },
        help_text=_("Results of a stakeholder group with fewer respondents than this are never shown (at least 3)."),
    )
    share_results = forms.BooleanField(
        label=_("Share the results with the stakeholders"),
        required=False,
        help_text=_("After closing, everyone invited may see the team’s aggregated results."),
    )
    reminder_days_before = forms.IntegerField(
        label=_("Automatic reminder, days before closing"),
        required=False,
        min_value=1,
        max_value=SMALLINT_MAX,
        help_text=_("Leave empty for no automatic reminder. You can always send one by hand."),
    )
    invite_team = forms.BooleanField(
        label=_("Invite all team members now"),
        required=False,
        initial=True,
        help_text=_("They get their personal link by e-mail when the round opens."),
    )

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        round: Round | None = None,
        ratings_exist: bool = False,
        **kwargs: Any,
    ) -> None:
        self.current_rubric_ids: list[int] = []
        self.is_new = round is None
        if round is not None:
            rubric_ids = round.round_rubrics.order_by("position").values_list("rubric_id", flat=True)
            self.current_rubric_ids = list(rubric_ids)
            kwargs["initial"] = {
                "name": round.name,
                "rubrics": self.current_rubric_ids,
                "opens_at": round.opens_at,
                "closes_at": round.closes_at,
                "threshold": round.threshold,
                "share_results": round.share_results,
                "reminder_days_before": round.reminder_days_before,
            }
        super().__init__(*args, **kwargs)
        # The latest version of each rubric the organization sees, and the
        # versions the round uses already (which may have been superseded since).
        # Listed as they were loaded, built-ins first: the seeds' order (Creating Active Engagement, then
        # Building Support through Data), which a new round keeps; a newer version keeps its first one's place.
        library = rubric_library(organization=organization).values("pk")
        first_loaded = Rubric.objects.filter(organization=OuterRef("organization"), slug=OuterRef("slug"))
        cast(forms.ModelMultipleChoiceField, self.fields["rubrics"]).queryset = (
            Rubric.objects.filter(Q(pk__in=library) | Q(pk__in=self.current_rubric_ids))
            .select_related("organization")
            .annotate(first_loaded=Subquery(first_loaded.order_by("pk").values("pk")[:1]))
            .order_by(F("organization").asc(nulls_first=True), "first_loaded", "-version")
        )
        zone = organization.time_zone
        for name in ("opens_at", "closes_at"):
            self.fields[name].help_text = _("Date and time in %(zone)s.") % {"zone": zone}
        if round is not None:
            del self.fields["invite_team"]
        if ratings_exist:
            for name in ("rubrics", "threshold"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Ratings exist already, so this can no longer change.")

    def clean_rubrics(self) -> list[Rubric]:
        """The chosen rubrics in a stable order: the round's own order first,
        so that saving an unchanged form changes nothing, then the list's."""
        current = self.current_rubric_ids
        rubrics: list[Rubric] = list(self.cleaned_data["rubrics"])
        return sorted(
            rubrics,
            # first_loaded: annotated by the field's queryset, from which the choices are read.
            key=lambda r: (current.index(r.pk) if r.pk in current else len(current), cast(Any, r).first_loaded, r.pk),
        )

    def clean(self) -> dict[str, Any]:
        """The dates' order is checked here as well as by the service, so that
        it is told together with the other fields' errors, not after them."""
        super().clean()
        data = self.cleaned_data
        opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
        if opens_at and closes_at:
            for field, messages in round_dates_errors(opens_at=opens_at, closes_at=closes_at).items():
                for message in messages:
                    self.add_error(field, message)
        # A round made by hand is for the future (past rounds are recorded by
        # seed_demo and tests through the service); opening checks it again.
        if self.is_new and closes_at and closes_at <= timezone.now():
            self.add_error("closes_at", _("The closing date has passed: choose one in the future."))
        return data

    def round_fields(self) -> dict[str, Any]:
        """The cleaned values as the round services take them."""
        names = ("name", "rubrics", "opens_at", "closes_at", "threshold", "share_results", "reminder_days_before")
        return {name: self.cleaned_data[name] for name in names}


class ReopenForm(forms.Form):
    closes_at = _datetime_field(_("New closing date"))

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["closes_at"].help_text = _("Date and time in %(zone)s.") % {"zone": organization.time_zone}
