from django.urls import include, path

from . import views

app_name = "convening"

urlpatterns = [
    path("accounts/profile/", views.profile, name="profile"),
    path("organizations/switch/", views.organization_switch, name="organization_switch"),
    path("organization/groups/", views.stakeholder_groups, name="stakeholder_groups"),
    path("organization/groups/<int:pk>/delete/", views.stakeholder_group_delete, name="stakeholder_group_delete"),
    path("", include("convening.people.urls")),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("teams/<int:pk>/members/add/", views.team_member_add, name="team_member_add"),
    path("teams/<int:pk>/members/import/", views.team_members_import, name="team_members_import"),
    path("teams/<int:pk>/members/<int:member_pk>/remove/", views.team_member_remove, name="team_member_remove"),
    path("teams/<int:pk>/members/<int:member_pk>/group/", views.team_member_group, name="team_member_group"),
]
