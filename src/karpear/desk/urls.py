from django.urls import path

from karpear.desk import (
    audit_views,
    auth_views,
    blocklist_views,
    evidence_views,
    notice_views,
    views,
)

app_name = "desk"
urlpatterns = [
    path("login/", auth_views.login, name="login"),
    path("code/", auth_views.code, name="code"),
    path("logout/", auth_views.logout, name="logout"),
    path("", views.home, name="home"),
    path("queue/", views.queue, name="queue"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/transition/", views.case_transition, name="case_transition"),
    path("cases/<int:case_id>/assign/", views.case_assign, name="case_assign"),
    path("cases/<int:case_id>/account/", views.case_account_decision, name="case_account"),
    path(
        "cases/<int:case_id>/victim-referral/",
        views.case_victim_referral,
        name="case_victim_referral",
    ),
    path("cases/<int:case_id>/note/", views.case_note, name="case_note"),
    path("cases/<int:case_id>/reveal/", views.case_reveal, name="case_reveal"),
    path("audit/", audit_views.audit_log, name="audit"),
    path("figures/", views.figures, name="figures"),
    path("settings/sla/", views.sla_settings, name="sla"),
    path("evidence/<int:item_id>/", evidence_views.viewer, name="evidence"),
    path("evidence/<int:item_id>/content/", evidence_views.content, name="evidence_content"),
    path("evidence/<int:item_id>/disclose/", evidence_views.disclosure_new, name="disclosure_new"),
    path("evidence/<int:item_id>/hold/", evidence_views.hold, name="evidence_hold"),
    path("certificates/", evidence_views.certificates, name="certificates"),
    path("disclosures/", evidence_views.disclosures, name="disclosures"),
    path(
        "disclosures/<int:disclosure_id>/approve/",
        evidence_views.disclosure_approve_view,
        name="disclosure_approve",
    ),
    path(
        "disclosures/<int:disclosure_id>/package/",
        evidence_views.disclosure_package,
        name="disclosure_package",
    ),
    path("personnel/", evidence_views.personnel, name="personnel"),
    path("personnel/save/", evidence_views.personnel_save, name="personnel_save"),
    path("notices/", notice_views.notices, name="notices"),
    path("notices/new/", notice_views.notice_new, name="notice_new"),
    path("webhooks/", notice_views.webhooks, name="webhooks"),
    path("blocklist/", blocklist_views.blocklist, name="blocklist"),
    path(
        "blocklist/appeals/<int:appeal_id>/",
        blocklist_views.appeal_decide,
        name="appeal_decide",
    ),
    path("webhooks/retry/", notice_views.webhook_retry, name="webhook_retry"),
]
