"""The form that invites team members not invited yet."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from assessments.rounds.forms import CheckboxList
from convening.models import TeamMember


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, member: TeamMember) -> str:
        # The name the organization knows them by (team_members_for), never another organization's.
        name = member.known_name  # type: ignore[attr-defined]  # annotated
        values = {"name": name, "email": member.user.email, "group": member.stakeholder_group.name}
        if name:
            return _("%(name)s, %(email)s (%(group)s)") % values
        return _("%(email)s (%(group)s)") % values


class MembersInviteForm(forms.Form):
    """Team members to invite, all ticked to begin with; the queryset (the
    members not invited yet) is given by the view, so no other id is accepted."""

    members = MemberChoiceField(
        label=_("Team members not invited yet"),
        queryset=TeamMember.objects.none(),
        widget=CheckboxList,
        error_messages={"required": _("Tick at least one person.")},
    )

    def __init__(self, *args: Any, members: QuerySet[TeamMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["members"]).queryset = members
        self.fields["members"].initial = [member.pk for member in members]
