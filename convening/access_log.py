"""Gunicorn's access log without secrets: a personal link (/r/<token>/)
opens a participant's session and a password-reset link sets a password, so
whoever reads the log could use them. Every value the log line may show (the
request line, the path, the referrer, headers and environment) is masked
before it is formatted; gunicorn.conf.py names this logger."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

MASK = "…"
_SECRET_PATHS = re.compile(
    # The personal link (assessments/invitations/urls.py) and Django's reset link (convening/urls.py); the
    # reset view's own next step, "set-password", is no secret.
    r"(?P<prefix>/r/|/accounts/reset/[^/?#\s]+/)(?!set-password/)[^/?#\s]+"
)


def mask_secrets(text: str) -> str:
    return _SECRET_PATHS.sub(lambda match: match["prefix"] + MASK, text)


class TokenMaskingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask_secrets(value) if isinstance(value, str) else value for key, value in atoms.items()}
