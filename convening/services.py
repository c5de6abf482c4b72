"""Writes for organizations, teams and people. Each function validates
before it saves and runs in one transaction."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Model, ProtectedError, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from . import languages, people_csv, text
from .audit.services import audit_record
from .models import (
    DEFAULT_STAKEHOLDER_GROUPS,
    AuditKind,
    Membership,
    Organization,
    PersonName,
    Role,
    StakeholderGroup,
    Team,
    TeamMember,
    User,
)
from .selectors import administrator_emails

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

M = TypeVar("M", bound=Model)


@transaction.atomic
def user_update_profile(*, user: User, name: str, language: str) -> User:
    user.name = name.strip()
    user.language = language
    user.full_clean()
    user.save(update_fields=["name", "language"])
    return user


@transaction.atomic
def user_set_language(*, user: User, language: str) -> None:
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["language"])


@transaction.atomic
def user_adopt_language(*, user_id: int, language: str) -> None:
    """Until a person first signs in, no profile holds a choice of theirs: the
    language they use the site in (at sign-in, or opening their personal
    link) becomes their account's, for their e-mails and their pages. After
    that only they change it (the profile, the language menu)."""
    User.objects.filter(pk=user_id, last_login__isnull=True).exclude(language=language).update(language=language)


@transaction.atomic
def organization_create(*, name: str, time_zone: str = "UTC") -> Organization:
    name = _required_name(name, max_length=Organization._meta.get_field("name").max_length)
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise _field_error("time_zone", _("“%(zone)s” is not a known time zone."), zone=time_zone) from None
    if Organization.objects.filter(name__iexact=name).exists():
        raise _field_error("name", _("An organization called “%(name)s” exists already."), name=name)
    organization = Organization.objects.create(name=name, time_zone=time_zone)
    stakeholder_groups_seed_defaults(organization=organization)
    return organization


@transaction.atomic
def stakeholder_groups_seed_defaults(*, organization: Organization) -> None:
    """Adds the default groups (Family, Educator, …) the organization lacks;
    names it has already, in any case, are left as they are."""
    existing = {name.lower() for name in organization.stakeholder_groups.values_list("name", flat=True)}
    start = _next_group_position(organization)
    missing = [name for name in DEFAULT_STAKEHOLDER_GROUPS if name.lower() not in existing]
    StakeholderGroup.objects.bulk_create(
        StakeholderGroup(
            organization=organization, name=name, names=languages.catalogue_names(name), position=start + offset
        )
        for offset, name in enumerate(missing)
    )


@transaction.atomic
def membership_grant(*, organization: Organization, user: User, role: Role | str) -> Membership:
    """Gives `user` the role in the organization; granting a role they hold changes nothing."""
    if role not in Role.values:
        raise _field_error("role", _("“%(role)s” is not a role."), role=role)
    membership, _created = Membership.objects.get_or_create(organization=organization, user=user, role=role)
    return membership


@transaction.atomic
def stakeholder_group_create(
    *, organization: Organization, name: str, names: dict[str, str] | None = None, by: User | None = None
) -> StakeholderGroup:
    """`names`: the group's name in the site's other languages, by language code (empty ones are left out)."""
    name, names = _stakeholder_group_names(organization=organization, name=name, names=names or {})
    group = StakeholderGroup.objects.create(
        organization=organization, name=name, names=names, position=_next_group_position(organization)
    )
    _group_event(group, by=by, summary=_("%(group)s: added") % {"group": group.name})
    return group


def _group_event(group: StakeholderGroup, *, by: User | None, summary: str) -> None:
    audit_record(
        organization=group.organization_id, by=by, kind=AuditKind.GROUP_CHANGED, subject=group, summary=summary
    )


def _team_event(team: Team, *, by: User | None, summary: str) -> None:
    audit_record(organization=team.organization_id, by=by, kind=AuditKind.TEAM_CHANGED, subject=team, summary=summary)


@transaction.atomic
def stakeholder_group_rename(
    *, group: StakeholderGroup, name: str, names: dict[str, str] | None = None, by: User | None = None
) -> StakeholderGroup:
    """As create; `names` None leaves the other languages' names as they are."""
    before = group.name
    group.name, group.names = _stakeholder_group_names(
        organization=group.organization, name=name, names=group.names if names is None else names, exclude_pk=group.pk
    )
    group.save(update_fields=["name", "names"])
    _group_event(group, by=by, summary=_("%(before)s: renamed %(after)s") % {"before": before, "after": group.name})
    return group


@transaction.atomic
def stakeholder_group_delete(*, group: StakeholderGroup, by: User | None = None) -> None:
    """Refused while team members belong to the group: their results are
    disaggregated by it, so they must be moved to another group first."""
    in_use = group.team_members.count()
    if in_use:
        raise ValidationError(
            ngettext_lazy(
                "“%(group)s” cannot be deleted: %(count)d team member belongs to it."
                " Move them or merge the group into another first.",
                "“%(group)s” cannot be deleted: %(count)d team members belong to it."
                " Move them or merge the group into another first.",
                "count",
            ),
            code="in_use",
            params={"group": group.name, "count": in_use},
        )
    try:
        with transaction.atomic():
            group.delete()
    except ProtectedError:
        # Invitations and responses of rounds (the apps above) keep their group: results are disaggregated by it.
        raise ValidationError(
            _(
                "“%(group)s” cannot be deleted: rounds used it, and their results are counted by it."
                " Merge it into another group instead."
            ),
            code="used_by_rounds",
            params={"group": group.name},
        ) from None
    audit_record(
        organization=group.organization_id,
        by=by,
        kind=AuditKind.GROUP_CHANGED,
        subject_type="stakeholdergroup",
        summary=_("%(group)s: deleted") % {"group": group.name},
    )


@transaction.atomic
def team_create(*, organization: Organization, name: str, description: str = "", by: User | None = None) -> Team:
    name, description = _team_fields(organization=organization, name=name, description=description)
    team = Team.objects.create(organization=organization, name=name, description=description)
    _team_event(team, by=by, summary=_("%(team)s: created") % {"team": team.name})
    return team


@transaction.atomic
def team_update(*, team: Team, name: str, description: str, by: User | None = None) -> Team:
    team.name, team.description = _team_fields(
        organization=team.organization, name=name, description=description, exclude_pk=team.pk
    )
    team.save(update_fields=["name", "description"])
    _team_event(team, by=by, summary=_("%(team)s: name or description changed") % {"team": team.name})
    return team


@transaction.atomic
def person_get_or_create(*, email: str, name: str = "") -> tuple[User, bool]:
    """The person with this e-mail address (in any case), created without a
    usable password if new; a name fills in a missing one, never replaces one."""
    email, name = _person_fields(email=email, name=name)
    people, created = _people_get_or_create({email: name})
    return people[email], email in created


@transaction.atomic
def team_member_add(
    *, team: Team, email: str, name: str, stakeholder_group: StakeholderGroup, by: User | None = None
) -> tuple[TeamMember, bool]:
    """Adds the person to the team (and makes them a stakeholder of its
    organization). Someone already on the team is returned unchanged, with
    False, so that the caller can say so."""
    email, name = _person_fields(email=email, name=name)
    _check_group_of_team(team=team, stakeholder_group=stakeholder_group)
    _lock(team)
    existing = team.members.select_related("user", "stakeholder_group").filter(user__email__iexact=email).first()
    if existing is not None:
        return existing, False
    member = _team_members_create(team=team, entries=[(email, name, stakeholder_group)])[0]
    summary = _("%(team)s: %(email)s added (%(group)s)") % {
        "team": team.name,
        "email": email,
        "group": stakeholder_group.name,
    }
    _team_event(team, by=by, summary=summary)
    return member, True


@transaction.atomic
def team_member_update_group(
    *, member: TeamMember, stakeholder_group: StakeholderGroup, by: User | None = None
) -> TeamMember:
    _check_group_of_team(team=member.team, stakeholder_group=stakeholder_group)
    member.stakeholder_group = stakeholder_group
    member.save(update_fields=["stakeholder_group"])
    summary = _("%(team)s: %(email)s now in %(group)s") % {
        "team": member.team.name,
        "email": member.user.email,
        "group": stakeholder_group.name,
    }
    _team_event(member.team, by=by, summary=summary)
    return member


@transaction.atomic
def team_member_remove(*, member: TeamMember, by: User | None = None) -> None:
    """Takes the person off the team. Their stakeholder role in the
    organization stays: they may be on other teams, and their past ratings
    still belong to it."""
    member.delete()
    summary = _("%(team)s: %(email)s removed") % {"team": member.team.name, "email": member.user.email}
    _team_event(member.team, by=by, summary=summary)


@transaction.atomic
def team_members_import(
    *, team: Team, rows: Sequence[people_csv.PersonRow], by: User | None = None
) -> list[TeamMember]:
    """Adds every new person of `rows` to the team, or nobody: one bad row
    refuses the whole list, with a message per bad row."""
    _lock(team)
    results = people_csv.check_rows(team=team, rows=list(rows))
    errors = [
        ValidationError(_("Line %(line)d: %(error)s"), params={"line": result.row.line, "error": message})
        for result in results
        if result.is_error
        for message in result.messages
    ]
    if errors:
        raise ValidationError(errors)
    entries = [
        (result.email, result.name, result.group)
        for result in results
        if result.status == people_csv.RowStatus.ADD and result.group is not None  # a row to add has its group
    ]
    added = _team_members_create(team=team, entries=entries)
    if added:
        summary = ngettext_lazy(
            "%(team)s: %(count)d person added from a list", "%(team)s: %(count)d people added from a list", len(added)
        ) % {"team": team.name, "count": len(added)}
        _team_event(team, by=by, summary=summary)
    return added


def _team_members_create(*, team: Team, entries: list[tuple[str, str, StakeholderGroup]]) -> list[TeamMember]:
    """Adds people known not to be on the team yet, in a fixed number of
    queries however many there are (imports run to thousands)."""
    _refuse_administrators([email for email, _name, _group in entries])
    people, _created = _people_get_or_create(
        {email: name for email, name, _group in entries}, organization=team.organization
    )
    Membership.objects.bulk_create(
        [Membership(organization=team.organization, user=people[email], role=Role.STAKEHOLDER) for email in people],
        ignore_conflicts=True,
    )
    return TeamMember.objects.bulk_create(
        TeamMember(team=team, user=people[email], stakeholder_group=group) for email, _name, group in entries
    )


def _lock(team: Team) -> None:
    """Holds the team's row until the transaction ends: a double click's
    second request then checks who is on the team only after the first one
    committed, and adds nobody twice."""
    Team.objects.select_for_update().filter(pk=team.pk).first()


def _refuse_administrators(emails: list[str]) -> None:
    """A site administrator's account is no organization's stakeholder: the
    organization would hold a membership of the one account that can do
    everything, write its name and mail it. Administrators who take part use
    another address. (An import's preview says so per line, people_csv.)"""
    if administrator_emails(emails):
        raise _field_error("email", _("A site administrator’s account cannot be a team member: use another address."))


def _people_get_or_create(
    names_by_email: dict[str, str], *, organization: Organization | None = None
) -> tuple[dict[str, User], set[str]]:
    """People by (already normalized) e-mail, and the e-mails of those created.
    Adding for `organization`, the name typed is that organization's (a
    PersonName: it fills in a missing one, never replaces one), and no
    person's own name is written: one organization never writes what
    another's pages show. Without one (the demo's seed), a name fills in a
    missing `User.name`."""
    existing: dict[str, User] = {
        user.email_lower: user
        for user in User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=list(names_by_email))
    }
    if organization is None:
        named = [(email, user) for email, user in existing.items() if not user.name and names_by_email[email]]
        for email, user in named:
            user.name = names_by_email[email]
        User.objects.bulk_update([user for _email, user in named], ["name"])
    new = []
    for email, name in names_by_email.items():
        if email not in existing:
            # In the language of the request that adds them (the invitation, the import) until they use it.
            person = User(email=email, name=name if organization is None else "", language=languages.current())
            person.set_unusable_password()
            new.append(person)
    # Another team may be adding the same new person at this moment: theirs counts, and is re-read below.
    User.objects.bulk_create(new, ignore_conflicts=True)
    # Re-read rather than trust bulk_create to have set primary keys on every database.
    created = {user.email for user in new}
    people = existing | {user.email: user for user in User.objects.filter(email__in=created)} if created else existing
    if organization is not None:
        PersonName.objects.bulk_create(
            [
                PersonName(organization=organization, user=people[email], name=name)
                for email, name in names_by_email.items()
                if name
            ],
            ignore_conflicts=True,  # a name the organization has already stays
        )
    return people, created


def _person_fields(*, email: str, name: str) -> tuple[str, str]:
    """The same rules as an imported row, with each message on its field."""
    cleaned: dict[str, str] = {}
    errors: dict[str, ValidationError] = {}
    for field, value, clean in (("email", email, people_csv.normalize_email), ("name", name, people_csv.clean_name)):
        try:
            cleaned[field] = clean(value)
        except ValidationError as error:
            errors[field] = error
    if errors:
        raise ValidationError(errors)
    return cleaned["email"], cleaned["name"]


def _field_error(field: str, message: StrOrPromise, **params: object) -> ValidationError:
    return ValidationError({field: ValidationError(message, params=params)})


def _check_group_of_team(*, team: Team, stakeholder_group: StakeholderGroup) -> None:
    if stakeholder_group.organization_id != team.organization_id:
        raise _field_error(
            "stakeholder_group",
            _("“%(group)s” is not a stakeholder group of %(organization)s."),
            group=stakeholder_group.name,
            organization=team.organization.name,
        )


def _required_name(name: str, *, max_length: int | None) -> str:
    name = " ".join(name.split())
    if not name:
        raise _field_error("name", _("A name is required."))
    if max_length is not None and len(name) > max_length:
        raise _field_error("name", _("The name is longer than %(max)d characters."), max=max_length)
    return name


def _stakeholder_group_names(
    *, organization: Organization, name: str, names: dict[str, str], exclude_pk: int | None = None
) -> tuple[str, dict[str, str]]:
    """The name and the other languages' names, each cleaned of what cannot
    be seen. A list may name a group in any language, so no name, in any
    language, may look like another group's name in any language (the
    organizations' groups are a few)."""
    others = list(_others(organization.stakeholder_groups.all(), exclude_pk))
    name = _stakeholder_group_name(name, field="name", others=others)
    cleaned = {}
    for code, _label in settings.LANGUAGES:
        if code != settings.LANGUAGE_CODE and names.get(code, "").strip():
            cleaned[code] = _stakeholder_group_name(names[code], field=f"name_{code}", others=others)
    return name, cleaned


def _stakeholder_group_name(value: str, *, field: str, others: list[StakeholderGroup]) -> str:
    value = _required_name(text.clean_text(value), max_length=StakeholderGroup._meta.get_field("name").max_length)
    if text.mixes_scripts(value):
        raise _field_error(
            field,
            _("“%(name)s” mixes letters of different alphabets (for example a Cyrillic “а” among Latin letters)."),
            name=value,
        )
    key = text.comparison_key(value)
    taken = next((group for group in others if key in group.keys), None)
    if taken is not None:
        raise _field_error(field, _("There is a group called “%(name)s” already."), name=taken.name_in())
    return value


def _others(rows: QuerySet[M], exclude_pk: int | None) -> QuerySet[M]:
    """The rows but the one being renamed (none, for a new one)."""
    return rows if exclude_pk is None else rows.exclude(pk=exclude_pk)


def _next_group_position(organization: Organization) -> int:
    highest = organization.stakeholder_groups.aggregate(highest=Max("position"))["highest"]
    return 0 if highest is None else highest + 1


def _team_fields(
    *, organization: Organization, name: str, description: str, exclude_pk: int | None = None
) -> tuple[str, str]:
    name = _required_name(name, max_length=Team._meta.get_field("name").max_length)
    description = description.strip()
    max_description = Team._meta.get_field("description").max_length
    if max_description is not None and len(description) > max_description:
        raise _field_error("description", _("The description is longer than %(max)d characters."), max=max_description)
    if _others(organization.teams.filter(name__iexact=name), exclude_pk).exists():
        raise _field_error("name", _("There is a team called “%(name)s” already."), name=name)
    return name, description
