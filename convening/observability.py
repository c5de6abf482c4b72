"""Logging plumbing: which request or task a log line belongs to, and JSON lines for a log collector.

The request id comes from RequestIdMiddleware, and goes with the tasks the request queues; the task id comes
from Celery's task signals (convening/celery.py).
Both live in context variables, so a line logged anywhere below (a service, the ORM, Celery's own loggers)
carries them without being passed them.
"""

import json
import logging
import re
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

from sentry_sdk.types import Event

from convening.access_log import mask_secrets

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
current_task_id: ContextVar[str | None] = ContextVar("current_task_id", default=None)

# A proxy's id is copied into every log line and a response header: anything else (a newline, a quote, a
# megabyte) would let a client forge or flood lines, so such a value is replaced by one of ours.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")

# The message header that takes a request's id to the worker running a task that request queued.
REQUEST_ID_HEADER = "convening_request_id"

# A task run in-process (tests, the quick start) may enqueue another one: each run restores the ids around it.
_task_tokens: dict[str, tuple[Token[str | None], Token[str | None]]] = {}


def request_finished(**_: Any) -> None:
    current_request_id.set(None)


def task_queued(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = current_request_id.get()
    if request_id is not None and headers is not None:
        headers[REQUEST_ID_HEADER] = request_id


def task_started(task_id: str, task: Any, **_: Any) -> None:
    """A task's lines carry its id, and the id of the request that queued it: from the message in a worker,
    still the current one when the task runs in-process."""
    queued_by = task.request.get(REQUEST_ID_HEADER) or current_request_id.get()
    _task_tokens[task_id] = (current_task_id.set(task_id), current_request_id.set(queued_by))


def task_finished(task_id: str, **_: Any) -> None:
    tokens = _task_tokens.pop(task_id, None)
    if tokens is not None:
        current_task_id.reset(tokens[0])
        current_request_id.reset(tokens[1])


class LogContextFilter(logging.Filter):
    """Puts the current request id and task id on every record (None outside a request or a task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        record.task_id = current_task_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, task_id, and the
    traceback when there is one. A multi-line message or traceback stays on its line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "task_id": getattr(record, "task_id", None),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value


def sentry_before_send(event: Event, hint: dict[str, Any]) -> Event:
    """Sentry's hook for every event and transaction: the request's address, the breadcrumbs (earlier log
    lines) and the messages, with the secret of any personal or password-reset link masked, as in the access
    log."""
    return _masked(event)
