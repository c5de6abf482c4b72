from django.urls import path

from . import views

urlpatterns = [
    path("rounds/<int:pk>/results/", views.results, name="results"),
    path("rounds/<int:pk>/results.json", views.results_json, name="results_json"),
    path("rounds/<int:pk>/results/reveal/", views.results_reveal, name="results_reveal"),
    path("rounds/<int:pk>/results/evidence/<int:key_action_pk>/", views.results_evidence, name="results_evidence"),
]
