"""Reads of rubrics, scoped to what an organization sees: the built-in rubrics
plus its own. Another organization's rubric is treated as if it did not exist."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404

from convening.access import require
from convening.models import Organization, User

from .models import Descriptor, Rubric


def _visible(organization: Organization | None) -> QuerySet[Rubric]:
    return Rubric.objects.visible_to([organization.pk] if organization is not None else [])


def rubric_library(*, organization: Organization | None) -> QuerySet[Rubric]:
    """The latest visible version of each slug, with its owner and its
    numbers of levels and key actions: one query."""
    visible = _visible(organization)
    latest = visible.filter(slug=OuterRef("slug")).order_by("-version").values("pk")[:1]
    return (
        visible.filter(pk=Subquery(latest))
        .select_related("organization")
        .annotate(level_count=Count("levels", distinct=True), key_action_count=Count("key_actions", distinct=True))
        .order_by("title", "slug")
    )


def rubric_get(*, slug: str, organization: Organization | None, version: int | None = None) -> Rubric | None:
    """One visible version (default: the latest), with everything needed to
    show or export it in four more queries (levels, key actions, descriptors,
    translations)."""
    rubrics = (
        _visible(organization)
        .filter(slug=slug)
        .select_related("organization")
        .prefetch_related(
            "levels",
            "key_actions",
            Prefetch("key_actions__descriptors", queryset=Descriptor.objects.select_related("level")),
            "translations",
        )
    )
    if version is not None:
        return rubrics.filter(version=version).first()
    return rubrics.order_by("-version").first()


def get_rubric_for(user: User, slug: str, *, organization: Organization | None, version: int | None = None) -> Rubric:
    """The access helper of every rubric page: 404 for a rubric the person's
    organization cannot see, exactly as for one that does not exist. Without
    an organization, a person sees the built-in rubrics only."""
    if organization is not None:
        # The organization may come from anywhere (session, URL): make sure
        # the person belongs to it.
        require(user=user, organization_id=organization.pk, need=None)
    rubric = rubric_get(slug=slug, organization=organization, version=version)
    if rubric is None:
        raise Http404
    return rubric


def rubric_versions(*, slug: str, organization: Organization | None) -> list[int]:
    """Every visible version of a slug, newest first."""
    return list(_visible(organization).filter(slug=slug).order_by("-version").values_list("version", flat=True))
