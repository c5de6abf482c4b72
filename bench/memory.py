"""Peak resident memory (VmHWM, from /proc) of the processes that make the
20,000-respondent round's files and page: the Celery worker's child making
the PDF report, and a single-worker gunicorn serving the results page, the
Excel workbook and results.json (the workbook is made in the web process).

    python bench/memory.py --celery-pid PID --gunicorn-pid PID --base URL OUT.json"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
django.setup()

from assessments.models import ReportExport, ReportStatus, Round  # noqa: E402
from assessments.reports.services import report_request  # noqa: E402
from bench import loaddata  # noqa: E402
from convening.models import User  # noqa: E402

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _csrf_token(page: str) -> str:
    match = CSRF_INPUT.search(page)
    if match is None:
        raise SystemExit("the login page has no CSRF token")
    return match.group(1)


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise LookupError(pid)


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def pdf_peak(celery_pid: int, round_: Round) -> dict:
    (child,) = children(celery_pid)  # --concurrency=1: one process makes the report
    before = peak_mb(child)
    report = report_request(round=round_, requested_by=User.objects.get(email=loaddata.SURVEY_LEAD_EMAIL))
    started = time.monotonic()
    while time.monotonic() - started < 900:
        report.refresh_from_db()
        if report.status in (ReportStatus.DONE, ReportStatus.FAILED):
            break
        time.sleep(0.5)
    seconds = round(time.monotonic() - started, 1)
    assert report.status == ReportStatus.DONE, (report.status, report.error)
    ReportExport.objects.filter(pk=report.pk).delete()
    return {"before_mb": before, "peak_mb": peak_mb(child), "seconds": seconds, "bytes": report.file.size}


def web_peaks(gunicorn_pid: int, base: str, round_: Round) -> dict:
    (worker,) = children(gunicorn_pid)  # WEB_CONCURRENCY=1
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/accounts/login/").read().decode()
    form = {
        "username": loaddata.SURVEY_LEAD_EMAIL,
        "password": loaddata.BENCH_PASSWORD,
        "csrfmiddlewaretoken": _csrf_token(page),
    }
    data = urllib.parse.urlencode(form).encode()
    # base is the loopback http:// URL bench/run started gunicorn on.
    opener.open(urllib.request.Request(base + "/accounts/login/", data=data))  # noqa: S310
    figures: dict[str, object] = {"idle_mb": peak_mb(worker)}
    for name, path in [
        ("results.json", f"/rounds/{round_.pk}/results.json"),
        ("results page", f"/rounds/{round_.pk}/results/"),
        ("results.xlsx", f"/rounds/{round_.pk}/export/results.xlsx"),
    ]:
        started = time.monotonic()
        body = opener.open(base + path).read()
        figures[name] = {
            "peak_mb": peak_mb(worker),
            "seconds": round(time.monotonic() - started, 2),
            "bytes": len(body),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--celery-pid", type=int, required=True)
    parser.add_argument("--gunicorn-pid", type=int, required=True)
    parser.add_argument("--base", required=True)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    round_ = Round.objects.get(name="Survey round 20000")
    figures = {"web": web_peaks(args.gunicorn_pid, args.base, round_), "pdf": pdf_peak(args.celery_pid, round_)}
    args.out.write_text(json.dumps(figures, indent=1))
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
