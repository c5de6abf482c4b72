import hashlib

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def content_hash(text: str | None) -> int | None:
    """`results.releases.ContentHash` on SQLite: what PostgreSQL computes with md5."""
    if text is None:
        return None
    return int(hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()[:13], 16)


def _register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("convening_hash52", 1, content_hash, deterministic=True)


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        # Database plumbing, not domain flow: SQLite has no md5 of its own.
        connection_created.connect(_register_sqlite_functions)
