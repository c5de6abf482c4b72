from django.urls import path

from . import history_views, paper_views, report_views, results_views, round_views, views

app_name = "assessments"

urlpatterns = [
    # Participants (assessments/views.py)
    path("r/<str:token>/", views.link, name="link"),
    path("my/rounds/", views.my_rounds, name="my_rounds"),
    path("rounds/<int:pk>/rate/", views.rate, name="rate"),
    path("rounds/<int:pk>/rate/<int:key_action_pk>/", views.rate_one, name="rate_one"),
    path("rounds/<int:pk>/submit/", views.submit, name="submit"),
    # Facilitators (assessments/round_views.py)
    path("teams/<int:team_pk>/rounds/", round_views.round_list, name="round_list"),
    path("teams/<int:team_pk>/rounds/new/", round_views.round_create, name="round_create"),
    path("rounds/<int:pk>/", round_views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", round_views.round_edit, name="round_edit"),
    path("rounds/<int:pk>/open/", round_views.round_open, name="round_open"),
    path("rounds/<int:pk>/close/", round_views.round_close, name="round_close"),
    path("rounds/<int:pk>/reopen/", round_views.round_reopen, name="round_reopen"),
    path("rounds/<int:pk>/remind/", round_views.round_remind, name="round_remind"),
    path("rounds/<int:pk>/invitations/add/", round_views.invitations_add, name="invitations_add"),
    path(
        "rounds/<int:pk>/invitations/<int:invitation_pk>/revoke/",
        round_views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "rounds/<int:pk>/invitations/<int:invitation_pk>/resend/",
        round_views.invitation_resend,
        name="invitation_resend",
    ),
    # Paper ratings (assessments/paper_views.py)
    path("rounds/<int:pk>/paper/", paper_views.paper_entry, name="paper_entry"),
    path("rounds/<int:pk>/paper/upload/", paper_views.paper_upload, name="paper_upload"),
    # Results (assessments/results_views.py)
    path("rounds/<int:pk>/results/", results_views.results, name="results"),
    path("rounds/<int:pk>/results.json", results_views.results_json, name="results_json"),
    path("rounds/<int:pk>/results/reveal/", results_views.results_reveal, name="results_reveal"),
    path(
        "rounds/<int:pk>/results/evidence/<int:key_action_pk>/",
        results_views.results_evidence,
        name="results_evidence",
    ),
    path(
        "rounds/<int:pk>/results/consensus/<int:key_action_pk>/",
        results_views.consensus_record,
        name="consensus_record",
    ),
    path("rounds/<int:pk>/plan/", results_views.plan, name="plan"),
    path("rounds/<int:pk>/plan/<int:key_action_pk>/target/", results_views.plan_target, name="plan_target"),
    path("rounds/<int:pk>/plan/<int:key_action_pk>/steps/add/", results_views.step_add, name="step_add"),
    path("rounds/<int:pk>/plan/steps/<int:step_pk>/edit/", results_views.step_edit, name="step_edit"),
    path("rounds/<int:pk>/plan/steps/<int:step_pk>/status/", results_views.step_status, name="step_status"),
    path("rounds/<int:pk>/plan/steps/<int:step_pk>/delete/", results_views.step_delete, name="step_delete"),
    # History, overview and exports (assessments/history_views.py, assessments/report_views.py)
    path("teams/<int:team_pk>/history/", history_views.team_history_view, name="team_history"),
    path("overview/", history_views.overview, name="overview"),
    path("rounds/<int:pk>/export/results.csv", report_views.export_results_csv, name="export_results_csv"),
    path("rounds/<int:pk>/export/ratings.csv", report_views.export_ratings_csv, name="export_ratings_csv"),
    path("rounds/<int:pk>/export/results.xlsx", report_views.export_results_xlsx, name="export_results_xlsx"),
    path("rounds/<int:pk>/report/", report_views.round_report, name="round_report"),
    path("reports/<int:pk>/download/", report_views.report_download, name="report_download"),
]
