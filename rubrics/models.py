from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from convening.models import Organization

MIN_LEVELS, MAX_LEVELS = 2, 6
MIN_KEY_ACTIONS, MAX_KEY_ACTIONS = 1, 50
TITLE_MAX_LENGTH = 300
DESCRIPTOR_MAX_LENGTH = 2000


class RubricQuerySet(models.QuerySet["Rubric"]):
    def visible_to(self, organization_ids: list[int]) -> RubricQuerySet:
        """Built-in rubrics plus those owned by the given organizations."""
        return self.filter(Q(organization__isnull=True) | Q(organization_id__in=organization_ids))


class Rubric(models.Model):
    """One version of a rubric. Built-in rubrics (the LbC ones) have no owning
    organization. A frozen version is never edited: changes make a new version,
    so results already computed against it never change."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="rubrics"
    )
    slug = models.SlugField(_("slug"), max_length=100)
    version = models.PositiveIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    source = models.CharField(_("source"), max_length=TITLE_MAX_LENGTH, blank=True)
    row_heading = models.CharField(_("row heading"), max_length=TITLE_MAX_LENGTH)
    row_subheading = models.CharField(_("row sub-heading"), max_length=TITLE_MAX_LENGTH, blank=True)
    frozen = models.BooleanField(_("frozen"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RubricQuerySet.as_manager()

    # Not stored: what rubrics.localization.show_in says of an instance read for showing.
    shown_language: str
    is_translated: bool
    lacks_translation: bool
    translation_note: str

    class Meta:
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")
        ordering = ["title", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug", "version"], name="rubric_unique_org_slug_version"),
            # NULLs are distinct in a unique index, so the built-ins need their own.
            models.UniqueConstraint(
                fields=["slug", "version"],
                condition=Q(organization__isnull=True),
                name="rubric_unique_builtin_slug_version",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="rubric_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def is_builtin(self) -> bool:
        return self.organization_id is None


class Level(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=100)
    summary = models.CharField(_("summary"), max_length=TITLE_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("level")
        verbose_name_plural = _("levels")
        ordering = ["rubric", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "position"], name="level_unique_position"),
            models.CheckConstraint(condition=Q(position__gte=1, position__lte=MAX_LEVELS), name="level_position_range"),
        ]

    def __str__(self) -> str:
        return self.name


class KeyAction(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="key_actions")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)

    class Meta:
        verbose_name = _("key action")
        verbose_name_plural = _("key actions")
        ordering = ["rubric", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "position"], name="key_action_unique_position"),
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=MAX_KEY_ACTIONS), name="key_action_position_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Descriptor(models.Model):
    """What one key action looks like at one level."""

    key_action = models.ForeignKey(KeyAction, on_delete=models.CASCADE, related_name="descriptors")
    level = models.ForeignKey(Level, on_delete=models.CASCADE, related_name="descriptors")
    text = models.TextField(_("text"), max_length=DESCRIPTOR_MAX_LENGTH)

    class Meta:
        verbose_name = _("descriptor")
        verbose_name_plural = _("descriptors")
        ordering = ["key_action", "level__position"]
        constraints = [
            models.UniqueConstraint(fields=["key_action", "level"], name="descriptor_unique_cell"),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class RubricTranslation(models.Model):
    """Every text of one rubric version in one more language, in the structure
    of the exchange format (`exchange.translation_to_dict`): the original's
    positions, with each text in that language. The services store only
    complete translations, so a rubric is shown either wholly translated or
    wholly in its original, never a mix of the two."""

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=8)
    texts = models.JSONField(_("texts"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rubric translation")
        verbose_name_plural = _("rubric translations")
        ordering = ["rubric", "language"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "language"], name="rubric_translation_unique_language"),
            models.CheckConstraint(condition=~Q(language=""), name="rubric_translation_language_given"),
        ]

    def __str__(self) -> str:
        return f"{self.rubric} [{self.language}]"
