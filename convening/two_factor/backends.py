from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from ..models import User
from .selectors import signed_in_person


class PasswordBackend(ModelBackend):
    """Django's password backend, whose every request's read of the signed-in person also says whether they
    have a device and whether an organization requires one: the two-factor middleware then decides in the
    query every signed-in page already makes, instead of adding its own to each."""

    def get_user(self, user_id: int) -> User | None:
        user = signed_in_person(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
