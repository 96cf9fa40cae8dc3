from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path

from core import views as core_views
from donations import views as donations_views
from operations import views as operations_views
from pages import views as pages_views

admin.site.site_header = f"{settings.SITE_NAME} content"
admin.site.site_title = f"{settings.SITE_NAME} admin"
admin.site.index_title = "Edit the website"

# What machines use, first, in one language: Stripe's webhook is not a page, and is never at /es/.
urlpatterns = [
    path("donate/webhooks/stripe/", donations_views.stripe_webhook, name="stripe_webhook"),
]

# What people read: in English at these addresses, and in every other language of LANGUAGES under its
# code (/es/treatments/…, /es/donate/…).
urlpatterns += i18n_patterns(
    path("", pages_views.home, name="home"),
    path("search/", pages_views.site_search, name="search"),
    path("treatments/", include("treatments.urls")),
    path("faq/", include("faq.urls")),
    path("articles/", include("articles.urls")),
    path("glossary/", include("glossary.urls")),
    path("feedback/", include("feedback.urls")),
    path("donate/", include("donations.urls")),
    prefix_default_language=False,
)

urlpatterns += [
    # What machines and staff use, in one language.
    path("favicon.ico", operations_views.favicon),
    path("robots.txt", pages_views.robots_txt, name="robots"),
    path("sitemap.xml", pages_views.sitemap, name="sitemap"),
    # The paths the markdownx widget posts to (MARKDOWNX_*_URLS_PATH).
    path("markdownx/markdownify/", core_views.markdown_preview, name="markdownx_markdownify"),
    path("markdownx/upload/", core_views.markdown_image_upload, name="markdownx_upload"),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler400 = "pages.views.bad_request"
handler403 = "pages.views.permission_denied"
handler404 = "pages.views.page_not_found"
handler500 = "pages.views.server_error"

if settings.SERVE_MEDIA:
    # Uploaded files from ./media, while developing and under `make serve`; with object
    # storage (AWS_STORAGE_BUCKET_NAME) pages link straight to the bucket instead.
    urlpatterns += [re_path(r"^media/(?P<path>.+)$", operations_views.local_media)]
