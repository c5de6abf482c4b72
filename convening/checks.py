from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.compatibility, deploy=True)
def broker_configured(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Without a broker every task runs inside the request that queued it: each invitation, reminder and
    password reset is sent while the person waits (30 s per message on a stalled mail server, holding a web
    worker), and reports are built there too."""
    if settings.CELERY_BROKER_URL:
        return []
    return [
        Warning(
            "CELERY_BROKER_URL is not set: e-mail would be sent and reports built inside web requests, "
            "and rounds would not open, close or remind on their dates.",
            hint="Set CELERY_BROKER_URL (e.g. redis://redis:6379/0) and run a Celery worker and beat.",
            id="convening.W001",
        )
    ]
