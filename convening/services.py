"""Writes for organizations, teams and people. Each function validates
before it saves and runs in one transaction."""

from __future__ import annotations

from django.db import transaction

from .models import User


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
