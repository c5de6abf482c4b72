"""Gunicorn's access log shows no working link: the token of a personal link
and of a password-reset link is masked, the rest of the line stays."""

import io
import logging
import runpy
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse
from gunicorn.config import Config

from convening.access_log import MASK, mask_secrets

TOKEN = "9f" * 32


def test_the_tokens_of_personal_and_reset_links_are_masked():
    link = reverse("assessments:link", args=[TOKEN])
    reset = reverse("password_reset_confirm", kwargs={"uidb64": "MTI", "token": "cfz1a2-0123456789abcdef0123"})
    assert mask_secrets(f"GET {link} HTTP/1.1") == f"GET /r/{MASK}/ HTTP/1.1"
    assert mask_secrets(f"GET {link}?x=1 HTTP/1.1") == f"GET /r/{MASK}/?x=1 HTTP/1.1"
    assert mask_secrets(reset) == f"/accounts/reset/MTI/{MASK}/"
    assert "cfz1a2" not in mask_secrets(f"https://example.org{reset}")


def test_other_paths_are_left_as_they_are():
    for path in ["/", "/rounds/12/", "/accounts/reset/MTI/set-password/", "/accounts/login/?next=/r"]:
        assert mask_secrets(path) == path


def test_the_configured_gunicorn_logger_masks_its_lines(capsys):
    config = Config()
    for name, value in runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py")).items():
        if name in config.settings:
            config.set(name, value)
    logger = config.logger_class(config)
    link = reverse("assessments:link", args=[TOKEN])
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": link,
        "PATH_INFO": link,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_REFERER": f"https://example.org{link}",
    }
    response = SimpleNamespace(status="302 Found", headers=[("Location", "/rounds/1/rate/")], sent=0)
    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=5))
    line = capsys.readouterr().out
    assert f"GET /r/{MASK}/ HTTP/1.1" in line and "302" in line and "203.0.113.7" in line
    assert TOKEN not in line


@pytest.mark.django_db
def test_the_application_log_masks_a_dead_links_token(client):
    """Django logs a 404 with its path: a link of a closed round (alive again if it is reopened) must not be
    written out whole by the site's log handler."""
    (console,) = [handler for handler in logging.getLogger().handlers if handler.name == "console"]
    # Swapped without setStream, which would flush the stream pytest may have closed since logging was set up.
    stream = io.StringIO()
    previous, console.stream = console.stream, stream
    try:
        assert client.get(reverse("assessments:link", args=[TOKEN])).status_code == 404
    finally:
        console.stream = previous
    line = stream.getvalue()
    assert f"/r/{MASK}/" in line
    assert TOKEN not in line
