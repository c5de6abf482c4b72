from django.urls import path

from . import views

urlpatterns = [
    path("rounds/<int:pk>/paper/", views.paper_entry, name="paper_entry"),
    path("rounds/<int:pk>/paper/upload/", views.paper_upload, name="paper_upload"),
]
