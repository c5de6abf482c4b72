from django.urls import path

from . import views
from .registry import FORMATS

# One address per file made on request, named export_<kind>; the background
# ones are asked for, and followed, on the round's report page.
urlpatterns = [
    *(
        path(
            f"rounds/<int:pk>/export/{entry.stem}.{entry.extension}",
            views.export,
            {"kind": kind},
            name=f"export_{kind}",
        )
        for kind, entry in FORMATS.items()
        if not entry.background
    ),
    path("rounds/<int:pk>/report/", views.round_report, name="round_report"),
    path("reports/<int:pk>/download/", views.report_download, name="report_download"),
]
