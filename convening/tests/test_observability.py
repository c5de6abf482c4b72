"""Log lines say which request or task they belong to, as JSON when configured; error tracking is on only
with a DSN; a production site without a broker is warned about (issue 13)."""

import io
import json
import logging
import runpy
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace

import pytest
from celery import shared_task
from celery.worker.request import Request
from django.conf import settings
from django.core.checks import run_checks
from gunicorn.config import Config
from kombu import Connection

from convening.celery import app
from convening.observability import JsonFormatter, LogContextFilter, current_request_id, sentry_before_send
from tests.django_process import run_django
from tests.test_settings_env import PRODUCTION

log = logging.getLogger("convening.tests.observability")


@shared_task(name="convening.tests.log_a_line")
def log_a_line() -> None:
    log.warning("inside the task")


@shared_task(name="convening.tests.fail")
def fail() -> None:
    log.warning("about to fail")
    raise ValueError("failed")


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the LOG_FORMAT=json console handler writes, kept in memory."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(LogContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.django_db
def test_a_line_logged_during_a_request_carries_the_request_id_of_its_response(client, json_lines):
    response = client.get("/no-such-page/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    not_found = [line for line in lines(json_lines) if line["logger"] == "django.request"]
    assert [line["request_id"] for line in not_found] == [request_id]
    assert not_found[0]["level"] == "WARNING"
    assert "/no-such-page/" in not_found[0]["message"]
    assert not_found[0]["task_id"] is None


@pytest.mark.django_db
def test_each_request_has_its_own_id_and_none_is_left_after_it(client, json_lines):
    first = client.get("/no-such-page/")["X-Request-ID"]
    second = client.get("/no-such-page/")["X-Request-ID"]
    assert first != second
    log.warning("between requests")
    assert lines(json_lines)[-1]["request_id"] is None


@pytest.mark.django_db
def test_the_trusted_proxy_s_request_id_is_kept(client, settings, json_lines):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    response = client.get("/no-such-page/", headers={"X-Request-ID": "f00d-42.proxy"})
    assert response["X-Request-ID"] == "f00d-42.proxy"
    assert lines(json_lines)[-1]["request_id"] == "f00d-42.proxy"


@pytest.mark.django_db
@pytest.mark.parametrize("given", ["forged\nWARNING: line", "x" * 129, ""])
def test_a_malformed_proxy_id_is_replaced(client, settings, given):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    request_id = client.get("/no-such-page/", headers={"X-Request-ID": given})["X-Request-ID"]
    assert request_id != given
    assert len(request_id) == 32


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_client_cannot_choose_the_id(client, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 0
    assert client.get("/no-such-page/", headers={"X-Request-ID": "chosen-by-client"})["X-Request-ID"] != (
        "chosen-by-client"
    )


def test_a_line_logged_in_a_task_carries_the_task_id(json_lines):
    result = log_a_line.delay()
    log.warning("after the task")
    inside, after = [line for line in lines(json_lines) if line["logger"] == log.name]
    assert inside["message"] == "inside the task"
    assert inside["task_id"] == result.id
    assert after["task_id"] is None


def test_a_task_that_fails_leaves_no_task_id_behind(json_lines):
    with pytest.raises(ValueError, match="failed"):
        fail.delay()
    log.warning("after the failure")
    assert [line["task_id"] is None for line in lines(json_lines) if line["logger"] == log.name] == [False, True]


@pytest.fixture
def memory_broker() -> Iterator[Connection]:
    """Tasks published for real (through kombu's in-memory transport) instead of run in-process."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    with app.connection_for_write("memory://") as connection:
        yield connection
    app.conf.task_always_eager = eager


def test_a_task_queued_by_a_request_carries_the_request_id_to_the_worker(memory_broker, json_lines):
    token = current_request_id.set("f00d-42.proxy")
    try:
        result = log_a_line.apply_async(connection=memory_broker)
    finally:
        current_request_id.reset(token)
    with memory_broker.SimpleQueue("celery") as queue:
        message = queue.get(timeout=5)
        # As a worker's pool process runs it.
        Request(message, app=app, task=log_a_line).execute()
    inside = [line for line in lines(json_lines) if line["logger"] == log.name]
    assert [(line["request_id"], line["task_id"]) for line in inside] == [("f00d-42.proxy", result.id)]
    assert current_request_id.get() is None


def test_a_task_queued_outside_a_request_has_no_request_id(memory_broker, json_lines):
    result = log_a_line.apply_async(connection=memory_broker)
    with memory_broker.SimpleQueue("celery") as queue:
        Request(queue.get(timeout=5), app=app, task=log_a_line).execute()
    inside = [line for line in lines(json_lines) if line["logger"] == log.name]
    assert [(line["request_id"], line["task_id"]) for line in inside] == [(None, result.id)]


def test_gunicorn_s_access_line_ends_with_the_request_id(capsys):
    config = Config()
    for name, value in runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py")).items():
        if name in config.settings:
            config.set(name, value)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "::1",
    }
    response = SimpleNamespace(status="200 OK", headers=[("X-Request-ID", "f00d-42.proxy")], sent=10)
    config.logger_class(config).access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=5))
    assert capsys.readouterr().out.rstrip("\n").endswith(' "GET / HTTP/1.1" 200 10 "-" "-" f00d-42.proxy')


def test_a_traceback_stays_on_its_json_line(json_lines):
    try:
        raise ValueError("broken\non two lines")
    except ValueError:
        log.exception("it failed")
    (line,) = json_lines.getvalue().splitlines()
    parsed = json.loads(line)
    assert parsed["message"] == "it failed"
    assert "ValueError: broken\non two lines" in parsed["exception"]


def test_log_format_json_writes_json_lines_to_standard_error():
    result = run_django(
        "import django, logging; django.setup(); logging.getLogger('convening.probe').warning('hello\\nthere')",
        **PRODUCTION,
        LOG_FORMAT="json",
    )
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert {key: line[key] for key in ("level", "logger", "message", "request_id", "task_id")} == {
        "level": "WARNING",
        "logger": "convening.probe",
        "message": "hello\nthere",
        "request_id": None,
        "task_id": None,
    }


def test_an_unknown_log_format_is_refused_at_start():
    result = run_django("import django; django.setup()", **PRODUCTION, LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT must be text or json" in result.stderr


SENTRY_INIT_ARGUMENTS = (
    "import json, sentry_sdk; from unittest import mock\n"
    "with mock.patch.object(sentry_sdk, 'init') as init:\n"
    "    import django; django.setup()\n"
    "kwargs = init.call_args.kwargs if init.called else None\n"
    "if kwargs: kwargs['integrations'] = sorted(type(i).__name__ for i in kwargs['integrations'])\n"
    "if kwargs: kwargs['before_send'] = kwargs['before_send'].__name__\n"
    "if kwargs: kwargs['before_send_transaction'] = kwargs['before_send_transaction'].__name__\n"
    "print(json.dumps([init.call_count, kwargs]))"
)


def sentry_init(**env: str) -> list:
    result = run_django(SENTRY_INIT_ARGUMENTS, **PRODUCTION, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_error_tracking_is_off_without_a_dsn():
    assert sentry_init() == [0, None]


def test_error_tracking_is_on_with_a_dsn_and_sends_no_personal_data():
    dsn = "https://public@sentry.example.org/42"
    assert sentry_init(SENTRY_DSN=dsn) == [
        1,
        {
            "dsn": dsn,
            "environment": "production",
            "traces_sample_rate": 0.0,
            "send_default_pii": False,
            "integrations": ["CeleryIntegration", "DjangoIntegration"],
            "before_send": "sentry_before_send",
            "before_send_transaction": "sentry_before_send",
        },
    ]
    assert sentry_init(SENTRY_DSN=dsn, SENTRY_ENVIRONMENT="staging", SENTRY_TRACES_SAMPLE_RATE="0.05")[1][
        "environment"
    ] == ("staging")


@pytest.mark.parametrize("rate", ["5", "-0.1"])
def test_a_traces_sample_rate_outside_0_to_1_is_refused_at_start(rate):
    result = run_django(
        "import django; django.setup()",
        **PRODUCTION,
        SENTRY_DSN="https://public@sentry.example.org/42",
        SENTRY_TRACES_SAMPLE_RATE=rate,
    )
    assert result.returncode != 0
    assert "SENTRY_TRACES_SAMPLE_RATE is a share of requests, from 0 to 1" in result.stderr


def test_an_error_report_masks_link_tokens():
    event = {
        "request": {"url": "https://convening.example.org/r/Secret-Token_1/?x=1", "method": "GET"},
        "breadcrumbs": {"values": [{"message": "Not Found: /accounts/reset/MQ/c4t-9f2a1b/", "level": "warning"}]},
        "level": "error",
    }
    masked = sentry_before_send(event, {})
    assert masked["request"] == {"url": "https://convening.example.org/r/…/?x=1", "method": "GET"}
    assert masked["breadcrumbs"]["values"][0]["message"] == "Not Found: /accounts/reset/MQ/…/"
    assert "Secret-Token_1" not in json.dumps(masked)


@pytest.mark.parametrize(("broker", "warned"), [("", True), ("redis://redis:6379/0", False)])
def test_production_without_a_broker_is_warned_about(settings, broker, warned):
    settings.CELERY_BROKER_URL = broker
    ids = [message.id for message in run_checks(include_deployment_checks=True)]
    assert ("convening.W001" in ids) is warned


def test_check_deploy_fails_without_a_broker():
    env = {key: value for key, value in PRODUCTION.items() if key != "CELERY_BROKER_URL"}
    result = run_django(
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        **env,
    )
    assert result.returncode != 0
    assert "convening.W001" in result.stderr
    assert "CELERY_BROKER_URL is not set" in result.stderr
