import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import get_exception_response
from django.http import HttpRequest, HttpResponse
from django.urls import get_resolver, get_urlconf
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from convening.observability import REQUEST_ID_PATTERN, current_request_id


class RequestIdMiddleware:
    """Gives each request an id, put on every log line logged while it is answered and on the response
    (X-Request-ID), so a person's report, the proxy's log and ours can be matched. Behind a trusted proxy
    (TRUSTED_PROXY_COUNT) the proxy's id is kept, so its log line and ours share one; a client reaching the
    app directly could choose any, so then the id is always ours."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get("HTTP_X_REQUEST_ID", "") if settings.AXES_IPWARE_PROXY_COUNT else ""
        request_id = given if REQUEST_ID_PATTERN.fullmatch(given) else uuid.uuid4().hex
        # Left set after this returns: Django logs a 4xx or 5xx answer only then. The request_finished signal
        # clears it (convening/apps.py).
        current_request_id.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class UserLanguageMiddleware:
    """A signed-in person sees their chosen language on every device; the
    session/cookie choice of LocaleMiddleware applies to everyone else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class PrivatePagesMiddleware:
    """A page answered within a session (a signed-in person, or a participant
    who opened their personal link) shows that person's rounds, answers or
    results: no browser or proxy may keep it, or a shared computer's Back
    button shows it to the next person. A view that chose its own
    Cache-Control is left as it is."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and (
            settings.SESSION_COOKIE_NAME in request.COOKIES or request.user.is_authenticated
        ):
            add_never_cache_headers(response)
        return response


class RequestSizeLimitMiddleware:
    """Answers 413, without reading it, a body declared larger than
    REQUEST_BODY_MAX_BYTES: Django's own limits count form fields but not
    files, and would read (and spool) a 300 MB file before the login view
    refused it. A body sent without a length is read by nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_BODY_MAX_BYTES:
            message = _("The request is too large: at most %(max)d megabytes can be sent.") % {
                "max": settings.REQUEST_BODY_MAX_BYTES // (1024 * 1024)
            }
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class PermissionDeniedMiddleware:
    """A view's PermissionDenied answered with the 403 page here: Django would
    log it with its traceback (and any exception chained to it), although a
    refusal is no error. Answered here, it is logged like any other 4xx, in
    one line ("Forbidden: /path")."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, PermissionDenied):
            return None
        return get_exception_response(request, get_resolver(get_urlconf()), 403, exception)


class RefusalTracebackFilter(logging.Filter):
    """Drops the traceback Django attaches to a 403 it answered itself (a
    PermissionDenied raised outside a view, past PermissionDeniedMiddleware):
    the one line that says which path was refused is all there is to read."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
