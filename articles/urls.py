from django.urls import path

from pagecache.parameters import query_parameters

from . import views
from .feeds import LatestArticles

app_name = "articles"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("feed/", query_parameters()(LatestArticles()), name="feed"),
    path("<slug:slug>/", views.article_detail, name="detail"),
]
