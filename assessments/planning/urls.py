from django.urls import path

from . import views

urlpatterns = [
    path("rounds/<int:pk>/results/consensus/<int:key_action_pk>/", views.consensus_record, name="consensus_record"),
    path("rounds/<int:pk>/plan/", views.plan, name="plan"),
    path("rounds/<int:pk>/plan/<int:key_action_pk>/target/", views.plan_target, name="plan_target"),
    path("rounds/<int:pk>/plan/<int:key_action_pk>/steps/add/", views.step_add, name="step_add"),
    path("rounds/<int:pk>/plan/steps/<int:step_pk>/edit/", views.step_edit, name="step_edit"),
    path("rounds/<int:pk>/plan/steps/<int:step_pk>/status/", views.step_status, name="step_status"),
    path("rounds/<int:pk>/plan/steps/<int:step_pk>/delete/", views.step_delete, name="step_delete"),
]
