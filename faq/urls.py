from django.urls import path

from . import views

app_name = "faq"

urlpatterns = [
    path("", views.faq_index, name="index"),
    path("topic/<slug:slug>/", views.topic_detail, name="topic"),
    path("<slug:slug>/", views.question_detail, name="question"),
]
