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


class Organization(models.Model):
    """A state agency or similar body: owns teams, rounds and custom rubrics."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

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
