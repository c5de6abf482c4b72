"""Every page of the app, under the `assessments` namespace: each feature
package lists its own."""

from django.urls import include, path

app_name = "assessments"

FEATURES = [
    "rating",
    "invitations",
    "rounds",
    "paper",
    "results",
    "planning",
    "history",
    "reports",
    "groups",
    "meeting",
    "audit",
]

urlpatterns = [path("", include(f"assessments.{feature}.urls")) for feature in FEATURES]
