from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from . import languages
from .text import comparison_key

# Each organization starts with these; their names in the site's other languages come from the message
# catalogue (gettext_noop marks them), so a language added to the catalogue names them with no code change.
DEFAULT_STAKEHOLDER_GROUPS = [
    gettext_noop("Family"),
    gettext_noop("Educator"),
    gettext_noop("Administrator"),
    gettext_noop("Provider"),
    gettext_noop("Advocate"),
    gettext_noop("Other"),
]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        # Addresses are stored lower-cased; people type them in any case.
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The e-mail address is the login; stakeholders invited to rate
    may never set a password at all."""

    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            # E-mail addresses are stored lower-cased; this keeps a second
            # spelling of one address from ever becoming a second person.
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email


class PersonName(models.Model):
    """The name one organization knows a person by. A person is one account
    across organizations, so what one organization types about them is kept
    as its own and shown only on its pages (issue 13); `User.name` is the
    name the person gave themselves, in their profile."""

    organization = models.ForeignKey("Organization", on_delete=models.CASCADE, related_name="person_names")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="names_known")
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("name in an organization")
        verbose_name_plural = _("names in organizations")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="person_name_unique"),
            models.CheckConstraint(condition=~models.Q(name=""), name="person_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    FACILITATOR = "facilitator", _("Facilitator")
    LEAD = "lead", _("Lead")
    STAKEHOLDER = "stakeholder", _("Stakeholder")


class PaperSize(models.TextChoices):
    """The paper the organization's PDF reports are laid out for."""

    LETTER = "letter", _("US Letter")
    A4 = "a4", _("A4")


class Organization(models.Model):
    """A state agency or similar body: owns teams, rounds and custom rubrics."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)
    # Facilitators and leads must sign in with a second factor (TOTP) to work in it; stakeholders rating from
    # their links are never asked.
    require_two_factor = models.BooleanField(_("require two-factor sign-in"), default=False)
    # Audit events older than this are deleted by the nightly task.
    audit_retention_days = models.PositiveIntegerField(_("keep the audit trail for (days)"), default=730)
    # People whose address is in this domain may sign in through the deployment's OpenID Connect provider
    # and land in this organization. Set by site administrators (create_organization, the admin).
    sign_in_domain = models.CharField(_("single sign-on e-mail domain"), max_length=253, blank=True, default="")
    # Letter for the US agencies the product is first made for; A4 elsewhere. Set in the admin.
    paper_size = models.CharField(
        _("paper size of PDF reports"), max_length=6, choices=PaperSize.choices, default=PaperSize.LETTER
    )

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("sign_in_domain"),
                condition=~models.Q(sign_in_domain=""),
                name="organization_sign_in_domain_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(audit_retention_days__gte=30), name="organization_audit_retention_at_least_30"
            ),
            models.CheckConstraint(
                condition=models.Q(paper_size__in=PaperSize.values), name="organization_paper_size_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """One role of one person in one organization; a person holding several
    roles has several rows."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user", "role"], name="membership_unique_role"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} @ {self.organization}"


class StakeholderGroup(models.Model):
    """The groups results are disaggregated by (Family, Educator, …), per organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="stakeholder_groups")
    # In the site's original language (settings.LANGUAGE_CODE); `names` holds the others, by language code
    # ({"es": "Familia"}). Figures are kept by the group's id, so no figure depends on which name is read.
    name = models.CharField(_("name"), max_length=100)
    names = models.JSONField(_("names in other languages"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("stakeholder group")
        verbose_name_plural = _("stakeholder groups")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint("organization", Lower("name"), name="stakeholder_group_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name_in()

    def name_in(self, language: str | None = None) -> str:
        """The name in `language` (by default the one this request or task is
        answered in), else the original."""
        return self.names.get(languages.supported(language or languages.current())) or self.name

    @property
    def key(self) -> str:
        """The name as compared: look-alike names are one name."""
        return comparison_key(self.name)

    @property
    def keys(self) -> set[str]:
        """Every name's key, in every language: a list may name the group in any of them."""
        return {comparison_key(name) for name in (self.name, *self.names.values()) if name}


class Team(models.Model):
    """A stakeholder group convened around an issue, e.g. "SSIP stakeholder team"."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("organization", Lower("name"), name="team_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    stakeholder_group = models.ForeignKey(
        StakeholderGroup, on_delete=models.PROTECT, related_name="team_members", verbose_name=_("stakeholder group")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="team_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.stakeholder_group}) in {self.team}"


class AccountInvitation(models.Model):
    """An invitation to work in an organization as a facilitator or lead, e-mailed as a personal link.

    Single-use (accepted once), expiring, resendable (a new link, the old one dead) and revocable. Only the
    SHA-256 hash of the link's token is stored."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="account_invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("account invitation")
        verbose_name_plural = _("account invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[Role.FACILITATOR, Role.LEAD]), name="account_invitation_role_valid"
            ),
            # One pending invitation per address and role: inviting again resends it.
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                "role",
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="account_invitation_one_pending",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="account_invitation_accepted_or_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()}) @ {self.organization}"


class AuditKind(models.TextChoices):
    ROUND_CREATED = "round.created", _("Round created")
    ROUND_EDITED = "round.edited", _("Round edited")
    ROUND_OPENED = "round.opened", _("Round opened")
    ROUND_CLOSED = "round.closed", _("Round closed")
    ROUND_REOPENED = "round.reopened", _("Round reopened")
    RESULTS_REVEALED = "round.results_revealed", _("Results shown or hidden")
    INVITATIONS_ADDED = "invitations.added", _("Invitations added")
    INVITATION_REVOKED = "invitation.revoked", _("Invitation revoked")
    INVITATION_RESENT = "invitation.resent", _("Invitation sent again")
    PAPER_ENTERED = "paper.entered", _("Paper form entered")
    PAPER_UPLOADED = "paper.uploaded", _("Paper forms uploaded")
    MEETING_STARTED = "meeting.started", _("Meeting started")
    MEETING_REVEALED = "meeting.revealed", _("Key action revealed in a meeting")
    MEETING_ENDED = "meeting.ended", _("Meeting ended")
    CONSENSUS_RECORDED = "consensus.recorded", _("Consensus recorded")
    PLAN_CHANGED = "plan.changed", _("Plan changed")
    STEP_ADDED = "step.added", _("Action step added")
    STEP_CHANGED = "step.changed", _("Action step changed")
    STEP_DELETED = "step.deleted", _("Action step deleted")
    MEMBER_INVITED = "member.invited", _("Colleague invited")
    MEMBER_INVITATION_RESENT = "member.invitation_resent", _("Colleague's invitation sent again")
    MEMBER_INVITATION_REVOKED = "member.invitation_revoked", _("Colleague's invitation revoked")
    MEMBER_JOINED = "member.joined", _("Colleague joined")
    ROLE_GRANTED = "role.granted", _("Role given")
    ROLE_REMOVED = "role.removed", _("Role removed")
    MEMBER_REMOVED = "member.removed", _("Person removed from the organization")
    TEAM_CHANGED = "team.changed", _("Team or its members changed")
    GROUP_CHANGED = "group.changed", _("Stakeholder group changed")
    SETTINGS_CHANGED = "organization.settings", _("Organization settings changed")
    EXPORT_MADE = "export.made", _("Export or report made")


class AuditEvent(models.Model):
    """One change a person (or the schedule) made in an organization. Append-only: written by the service
    that makes the change, in its transaction, and never updated; deleted only by the retention task.

    The summary names objects, never a named person's ratings."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="audit_events")
    created_at = models.DateTimeField(default=timezone.now)
    # None for what the schedule did (a round opened at its opening time). The address is kept as it was, so
    # the trail still says who after the account is gone.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True, default="")
    kind = models.CharField(max_length=40, choices=AuditKind.choices)
    # What the change was made to ("round", "invitation", "membership", …) and its id; the round, when there
    # is one, for the page's filter. Plain ids: this app sits below the one that holds rounds.
    subject_type = models.CharField(max_length=40)
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    round_id = models.PositiveBigIntegerField(null=True, blank=True)
    summary = models.CharField(max_length=500)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="audit_event_by_organization"),
            models.Index(fields=["organization", "round_id", "-created_at"], name="audit_event_by_round"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=AuditKind.values), name="audit_event_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind} {self.summary}"
