from __future__ import annotations

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from karpear.api import api
from karpear.blocklist import views as blocklist_views
from karpear.complaints import views as complaint_views
from karpear.core import views as core_views
from karpear.reports import views as report_views
from karpear.takeitdown import views as takeitdown_views
from karpear.transparency import views as transparency_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", report_views.favicon, name="favicon"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

# Khmer first: Khmer pages at "/", English at "/en/".
urlpatterns += i18n_patterns(
    path("", report_views.report, name="report"),
    path("status/", report_views.status, name="status"),
    path("take-it-down/", takeitdown_views.take_it_down, name="take_it_down"),
    path("blocked/", blocklist_views.blocked, name="blocked"),
    path("contest/", complaint_views.complaint, name="complaint"),
    path("transparency/", transparency_views.index, name="transparency"),
    path("transparency/<int:report_id>/", transparency_views.detail, name="transparency_report"),
    path("transparency/<int:report_id>.json", transparency_views.as_json, name="transparency_json"),
    path("transparency/<int:report_id>.csv", transparency_views.as_csv, name="transparency_csv"),
    path("transparency/<int:report_id>.pdf", transparency_views.as_pdf, name="transparency_pdf"),
    path("desk/", include("karpear.desk.urls")),
    prefix_default_language=False,
)

handler400 = "karpear.core.views.bad_request"
handler403 = "karpear.core.views.permission_denied"
handler404 = "karpear.core.views.page_not_found"
handler500 = "karpear.core.views.server_error"
