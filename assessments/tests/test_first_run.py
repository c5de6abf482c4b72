"""A first run without friction (issue 17): `make run PORT=…` serves, e-mails
links for and prints the address it serves; the console shows no noise that
reads like a crash (a 403 is one line, no traceback, said once)."""

import logging
import os
import shlex
import shutil
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils.log import log_response

from assessments.invitations.services import invitation_resend
from assessments.tests.factories import invite

ROOT = settings.BASE_DIR
PORT_URL = "http://127.0.0.1:8101"


def _make_run(*args: str, env: dict[str, str] | None = None) -> dict[str, list[str]]:
    """What `make run` would run, by command of manage.py: the words of each line (make -n runs nothing)."""
    make = shutil.which("make")
    if make is None:
        pytest.fail("make is needed: the README's quick start is `make run`", pytrace=False)
    environment = {key: value for key, value in os.environ.items() if key not in ("SITE_URL", "HOST", "PORT")}
    result = subprocess.run(  # noqa: S603 — the project's own Makefile, with fixed arguments
        [make, "-n", "run", *args],
        cwd=ROOT,
        env={**environment, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    commands = {}
    for line in result.stdout.splitlines():
        words = shlex.split(line)
        if "manage.py" in words:
            commands[words[words.index("manage.py") + 1]] = words
    return commands


def _environment(words: list[str]) -> dict[str, str]:
    return dict(word.split("=", 1) for word in words if "=" in word and not word.startswith("-"))


def test_make_run_on_another_port_gives_every_command_that_address():
    commands = _make_run("PORT=8101")

    assert set(commands) == {"migrate", "seed_demo", "runserver"}
    for words in commands.values():
        assert _environment(words)["SITE_URL"] == PORT_URL
    assert commands["runserver"][-1] == "127.0.0.1:8101"


def test_make_run_keeps_a_site_url_set_by_the_user():
    commands = _make_run("PORT=8101", env={"SITE_URL": "http://laptop.local:8101"})
    assert {_environment(words)["SITE_URL"] for words in commands.values()} == {"http://laptop.local:8101"}


def test_the_settings_read_the_address_make_run_passes():
    """The settings module as `make run` starts it, in a process of its own: SITE_URL comes from the environment."""
    env = _environment(_make_run("PORT=8101")["runserver"])
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    result = subprocess.run(  # noqa: S603 — this interpreter, with fixed code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "convening.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == PORT_URL
    # Nor does starting print axes' banner, which read like a warning at each of the three commands.
    assert "AXES: BEGIN" not in result.stderr


@pytest.mark.django_db
def test_an_invitation_mail_links_to_the_address_served(settings, open_round, django_capture_on_commit_callbacks):
    settings.SITE_URL = PORT_URL
    (invitation,) = invite(open_round)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invitation_resend(invitation=invitation)

    (message,) = mail.outbox
    assert f"{PORT_URL}/r/" in message.body
    assert "127.0.0.1:8000" not in message.body
    assert message.extra_headers["Message-ID"].endswith("@127.0.0.1>")


def test_a_403_that_django_answers_is_logged_in_one_line_without_its_traceback(caplog):
    request = RequestFactory().get("/teams/1/edit/")
    try:
        raise PermissionDenied
    except PermissionDenied as error:
        with caplog.at_level(logging.WARNING, logger="django.request"):
            log_response(
                "Forbidden (Permission denied): %s",
                request.path,
                response=HttpResponse(status=403),
                request=request,
                exception=error,
            )

    (record,) = [record for record in caplog.records if record.name == "django.request"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "Forbidden (Permission denied): /teams/1/edit/"
    assert record.exc_info is None


@pytest.mark.django_db
def test_a_refused_page_is_logged_once_at_warning(client, lead, org, caplog):
    from convening.tests.factories import TeamFactory

    team = TeamFactory(organization=org)
    client.force_login(lead)
    with caplog.at_level(logging.INFO):
        assert client.get(reverse("convening:team_edit", args=[team.pk])).status_code == 403

    refused = [record for record in caplog.records if "Forbidden" in record.getMessage()]
    assert len(refused) == 1 and refused[0].exc_info is None
    # Django's own console handler, which printed each of its lines a second time, bare, is gone.
    assert logging.getLogger("django").handlers == []


def test_the_quick_start_is_quiet():
    assert settings.AXES_VERBOSE is False
    if not settings.CELERY_BROKER_URL:
        # In-process tasks: kombu's "No hostname was supplied" before every e-mail is not shown.
        assert logging.getLogger("kombu.connection").getEffectiveLevel() == logging.ERROR
