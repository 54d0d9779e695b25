from __future__ import annotations

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from karpear.api import api
from karpear.blocklist import views as blocklist_views
from karpear.complaints import views as complaint_views
from karpear.concerns import views as concern_views
from karpear.core import views as core_views
from karpear.documents import views as document_views
from karpear.education import public_views as education_views
from karpear.learn import views as learn_views
from karpear.monitoring import views as monitoring_views
from karpear.regulator import public_views as regulator_views
from karpear.reports import views as report_views
from karpear.safeguarding import views as safeguarding_views
from karpear.safety import views as safety_views
from karpear.takeitdown import views as takeitdown_views
from karpear.transparency import views as transparency_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("metrics", monitoring_views.metrics, name="metrics"),
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
    # Safeguarding inside the company (issue #21): concerns in confidence, acknowledgements.
    path("concerns/", concern_views.raise_concern, name="concern"),
    path("concerns/follow/", concern_views.follow, name="concern_follow"),
    path("safeguarding/ack/<str:token>/", safeguarding_views.ack, name="safeguarding_ack"),
    path("transparency/", transparency_views.index, name="transparency"),
    path("transparency/<int:report_id>/", transparency_views.detail, name="transparency_report"),
    path("transparency/<int:report_id>.json", transparency_views.as_json, name="transparency_json"),
    path("transparency/<int:report_id>.csv", transparency_views.as_csv, name="transparency_csv"),
    path("transparency/<int:report_id>.pdf", transparency_views.as_pdf, name="transparency_pdf"),
    # The regulator's public sector summary (issue #20), at a regulator's host name only.
    path("sector/", regulator_views.sector, name="sector"),
    path("sector.csv", regulator_views.sector_csv, name="sector_csv"),
    path("sector.pdf", regulator_views.sector_pdf, name="sector_pdf"),
    # Terms, code of conduct, privacy notice and parental guidance (issue #18).
    path("documents/", document_views.index, name="documents"),
    path("documents/<slug:kind>/", document_views.document, name="document"),
    path("documents/<slug:kind>/<str:audience>/", document_views.document, name="document_for"),
    path(
        "documents/<slug:kind>/v<int:version>/<str:audience>/",
        document_views.document,
        name="document_version",
    ),
    path("safety/parents/", safety_views.parental_guidance, name="parental_guidance"),
    # Swipe Safe (issue #19): lessons, and the session link participants answer through.
    path("learn/", learn_views.index, name="learn"),
    path("learn/s/<str:token>/", education_views.session_link, name="learn_session"),
    path("learn/<slug:path_id>/", learn_views.path_page, name="learn_path"),
    path("learn/<slug:path_id>/<slug:lesson_id>/", learn_views.lesson_page, name="learn_lesson"),
    path(
        "learn/<slug:path_id>/<slug:lesson_id>.pdf",
        learn_views.lesson_pdf,
        name="learn_lesson_pdf",
    ),
    path("desk/", include("karpear.desk.urls")),
    prefix_default_language=False,
)

handler400 = "karpear.core.views.bad_request"
handler403 = "karpear.core.views.permission_denied"
handler404 = "karpear.core.views.page_not_found"
handler500 = "karpear.core.views.server_error"
