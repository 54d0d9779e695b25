from __future__ import annotations

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from karpear.api import api
from karpear.blocklist import views as blocklist_views
from karpear.core import views as core_views
from karpear.reports import views as report_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

# Khmer first: Khmer pages at "/", English at "/en/".
urlpatterns += i18n_patterns(
    path("", report_views.report, name="report"),
    path("status/", report_views.status, name="status"),
    path("blocked/", blocklist_views.blocked, name="blocked"),
    path("desk/", include("karpear.desk.urls")),
    prefix_default_language=False,
)

handler400 = "karpear.core.views.bad_request"
handler403 = "karpear.core.views.permission_denied"
handler404 = "karpear.core.views.page_not_found"
handler500 = "karpear.core.views.server_error"
