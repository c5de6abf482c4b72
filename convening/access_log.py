"""Logs without secrets: a personal link (/r/<token>/) opens a participant's
session and a password-reset link sets a password, so whoever reads a log
could use them. In gunicorn's access log every value a line may show (the
request line, the path, the referrer, headers and environment) is masked
before it is formatted (gunicorn.conf.py names the logger); in the
application's log, the message and its arguments (the LOGGING filter)."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

MASK = "…"
_SECRET_PATHS = re.compile(
    # The personal link (assessments/invitations/urls.py), Django's reset link (convening/urls.py) and a
    # colleague's account invitation (convening/people/urls.py); the reset view's own next step,
    # "set-password", is no secret.
    r"(?P<prefix>/r/|/accounts/reset/[^/?#\s]+/|/accounts/invitation/)(?!set-password/)[^/?#\s]+"
)


def mask_secrets(text: str) -> str:
    return _SECRET_PATHS.sub(lambda match: match["prefix"] + MASK, text)


class TokenMaskingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask_secrets(value) if isinstance(value, str) else value for key, value in atoms.items()}


class SecretMaskingFilter(logging.Filter):
    """The application's log lines: Django logs every 4xx answer with its path, so a revoked link, or a closed
    round's (which opens again if the round is reopened), would be written out whole ("Not Found: /r/…/")."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_secrets(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask_secrets(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: mask_secrets(arg) if isinstance(arg, str) else arg for key, arg in record.args.items()}
        return True
