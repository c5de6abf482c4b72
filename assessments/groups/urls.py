from django.urls import path

from . import views

urlpatterns = [
    path("organization/groups/<int:pk>/merge/", views.stakeholder_group_merge, name="stakeholder_group_merge"),
]
