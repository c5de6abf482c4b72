from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConveningConfig(AppConfig):
    name = "convening"
    verbose_name = _("Organizations, teams and people")

    def ready(self) -> None:
        from django.core.signals import request_finished

        import convening.checks  # noqa: F401  (registers the system checks)
        from convening import observability

        # Logging plumbing, not domain flow: the request id is dropped once the response is sent.
        request_finished.connect(observability.request_finished)
