from django.urls import path

from . import views

urlpatterns = [
    path("organization/audit/", views.audit_trail, name="audit_trail"),
    path("organization/audit.csv", views.audit_trail_csv, name="audit_trail_csv"),
]
