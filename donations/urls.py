from django.urls import path

from . import views

app_name = "donations"

urlpatterns = [
    path("", views.donate_index, name="index"),
    path("thanks/", views.thanks, name="thanks"),
    path("<slug:slug>/", views.campaign_detail, name="campaign"),
    path("<slug:slug>/give/", views.give, name="give"),
    path("<slug:slug>/thanks/", views.campaign_thanks, name="campaign_thanks"),
]
