"""Password reset mail, sent by a worker.

The request only checks its limits and queues one task with the address as
typed, whether or not anyone has it: looking the address up there would make
a known address cost more (the lookup, then the send) than an unknown one,
and a stalled mail server would hold the web worker. So the task takes the
address, not a person's id, and the lookup happens here."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

# Requests per hour: one address may be asked for a few times (a lost mail, a typo fixed), one client address
# a little more (a shared office's network), never enough to flood a mailbox or probe many addresses.
ADDRESS_RATE = "5/h"
CLIENT_RATE = "20/h"

_SENT_MARKER_SECONDS = 24 * 60 * 60


class _WorkerResetForm(PasswordResetForm):
    """Django's reset mail with two changes for a worker: a failed send raises
    (for the task's retry) instead of being logged away, and every attempt of
    one request shares a Message-ID, so a repeat after a lost marker is
    recognisable by the receiver."""

    def __init__(self, *args: Any, message_id: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.message_id = message_id
        self.sent = 0

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = " ".join(render_to_string(subject_template_name, context).split())
        body = render_to_string(email_template_name, context)
        EmailMultiAlternatives(subject, body, from_email, [to_email], headers={"Message-ID": self.message_id}).send()
        self.sent += 1


def _marker(attempt_key: str) -> str:
    return f"convening.password_reset.sent:{attempt_key}"


def password_reset_send(*, email: str, language: str, attempt_key: str) -> int:
    """Mails a reset link to each active account with this address (none for
    an unknown one) in the language the request was made in. `attempt_key` is
    the same for every delivery of one request (the task's id): once it has
    sent, a redelivered task sends nothing. Returns the number of mails sent."""
    if cache.get(_marker(attempt_key)):
        return 0
    site = urlsplit(settings.SITE_URL)
    message_id = f"<convening.password-reset.{attempt_key}@{site.hostname or 'localhost'}>"
    form = _WorkerResetForm({"email": email}, message_id=message_id)
    if not form.is_valid():
        return 0
    with translation.override(language):
        form.save(domain_override=site.netloc, use_https=site.scheme == "https")
    cache.set(_marker(attempt_key), 1, _SENT_MARKER_SECONDS)
    return form.sent
