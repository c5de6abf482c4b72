from django.urls import path

from . import views

urlpatterns = [
    path("my/rounds/", views.my_rounds, name="my_rounds"),
    path("rounds/<int:pk>/rate/", views.rate, name="rate"),
    path("rounds/<int:pk>/rate/<int:key_action_pk>/", views.rate_one, name="rate_one"),
    path("rounds/<int:pk>/submit/", views.submit, name="submit"),
    path("rounds/<int:pk>/rate/leave/", views.rate_leave, name="rate_leave"),
]
