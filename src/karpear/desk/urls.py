from django.urls import path

from karpear.concerns import desk_views as concern_views
from karpear.desk import (
    audit_views,
    auth_views,
    blocklist_views,
    complaint_views,
    compliance_views,
    confirmation_views,
    evidence_views,
    hash_views,
    isolation_views,
    keys_views,
    notice_views,
    search_views,
    staff_views,
    transparency_views,
    views,
    wellness_views,
)
from karpear.documents import desk_views as document_views
from karpear.education import desk_views as education_views
from karpear.referrals import desk_views as referral_views
from karpear.regulator import company_views as regulator_company_views
from karpear.regulator import views as regulator_views
from karpear.safeguarding import desk_views as safeguarding_views
from karpear.safety import desk_views as safety_views

app_name = "desk"
urlpatterns = [
    path("login/", auth_views.login, name="login"),
    path("wellbeing/", wellness_views.wellbeing, name="wellbeing"),
    path("next/", keys_views.case_next, name="case_next"),
    path("code/", auth_views.code, name="code"),
    path("logout/", auth_views.logout, name="logout"),
    path("", views.home, name="home"),
    path("queue/", views.queue, name="queue"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("search/", search_views.search, name="search"),
    path("bulk/", search_views.bulk, name="bulk"),
    path("cases/<int:case_id>/transition/", views.case_transition, name="case_transition"),
    path("cases/<int:case_id>/assign/", views.case_assign, name="case_assign"),
    path("cases/<int:case_id>/account/", views.case_account_decision, name="case_account"),
    path(
        "cases/<int:case_id>/victim-referral/",
        views.case_victim_referral,
        name="case_victim_referral",
    ),
    path("cases/<int:case_id>/note/", views.case_note, name="case_note"),
    path("cases/<int:case_id>/classify/", views.case_classify, name="case_classify"),
    path(
        "cases/<int:case_id>/confirmation/",
        confirmation_views.case_confirmation,
        name="case_confirmation",
    ),
    path("cases/<int:case_id>/reveal/", views.case_reveal, name="case_reveal"),
    path("audit/", audit_views.audit_log, name="audit"),
    path("figures/", views.figures, name="figures"),
    path("settings/sla/", views.sla_settings, name="sla"),
    path("settings/isolation/", isolation_views.isolation, name="isolation"),
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
    path("staff/", staff_views.staff, name="staff"),
    path("staff/add/", staff_views.staff_add, name="staff_add"),
    path("staff/<int:staff_id>/", staff_views.staff_change, name="staff_change"),
    path("recipients/", staff_views.recipients, name="recipients"),
    path(
        "recipients/<int:recipient_id>/",
        staff_views.recipient_active,
        name="recipient_active",
    ),
    path(
        "recipients/<int:recipient_id>/confirm/",
        staff_views.recipient_confirm,
        name="recipient_confirm",
    ),
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
    path("complaints/", complaint_views.complaints, name="complaints"),
    path("complaints/<int:complaint_id>/", complaint_views.complaint, name="complaint"),
    path("hashes/", hash_views.matches, name="hashes"),
    path("hashes/release/", hash_views.release, name="hash_release"),
    path("hashes/matches/<int:match_id>/", hash_views.match_decide, name="hash_match_decide"),
    path("transparency/", transparency_views.transparency, name="transparency"),
    path(
        "transparency/statements.json",
        transparency_views.statements_export,
        name="transparency_statements",
    ),
    path("compliance/", compliance_views.home, name="compliance"),
    path("compliance/start/", compliance_views.start, name="compliance_start"),
    path("compliance/products/", compliance_views.product_add, name="compliance_product"),
    path("compliance/policies/", compliance_views.policy_list, name="compliance_policies"),
    path("compliance/files/<int:file_id>/", compliance_views.file_download, name="compliance_file"),
    path("compliance/<int:assessment_id>/", compliance_views.assessment, name="assessment"),
    path(
        "compliance/<int:assessment_id>/items/<str:ref>/",
        compliance_views.item,
        name="assessment_item",
    ),
    path(
        "compliance/<int:assessment_id>/items/<str:ref>/file/",
        compliance_views.file_attach,
        name="assessment_file",
    ),
    path("compliance/<int:assessment_id>/sign/", compliance_views.sign_off, name="assessment_sign"),
    path(
        "compliance/<int:assessment_id>/report/",
        compliance_views.report,
        name="assessment_report",
    ),
    path(
        "compliance/<int:assessment_id>/report.pdf",
        compliance_views.report_pdf,
        name="assessment_pdf",
    ),
    path(
        "compliance/<int:assessment_id>/package.json",
        compliance_views.package,
        name="assessment_package",
    ),
    # Referrals to the ACU and the hotline (issue #17, items 1-2).
    path(
        "cases/<int:case_id>/referral-report/",
        referral_views.report_preview,
        name="referral_report",
    ),
    path("referrals/", referral_views.inbox_status, name="referrals"),
    path("referrals/<int:referral_id>/resend/", referral_views.resend, name="referral_resend"),
    path("referrals/<int:referral_id>/email/", referral_views.email, name="referral_email"),
    path(
        "referrals/<int:referral_id>/follow-up/",
        referral_views.follow_up,
        name="referral_follow_up",
    ),
    path("referrals/<int:referral_id>/report.pdf", referral_views.report_pdf, name="referral_pdf"),
    path(
        "victim-referrals/<int:victim_referral_id>/send/",
        referral_views.child_send,
        name="child_referral_send",
    ),
    path(
        "child-referrals/<int:proposal_id>/approve/",
        referral_views.child_approve,
        name="child_referral_approve",
    ),
    path(
        "child-referrals/<int:proposal_id>/close/",
        referral_views.child_close,
        name="child_referral_close",
    ),
    # Which key receives each service's child referrals: bound by two people.
    path("referral-services/", referral_views.inbox_services, name="inbox_services"),
    path(
        "referral-services/<int:service_id>/issue/",
        referral_views.inbox_service_issue,
        name="inbox_service_issue",
    ),
    path(
        "referral-services/<int:service_id>/confirm/",
        referral_views.inbox_service_confirm,
        name="inbox_service_confirm",
    ),
    path(
        "referral-services/<int:service_id>/unbind/",
        referral_views.inbox_service_unbind,
        name="inbox_service_unbind",
    ),
    # The regulator's desk (issue #20): regulator roles only.
    path("regulator/", regulator_views.home, name="regulator"),
    path("regulator/companies/", regulator_views.companies, name="regulator_companies"),
    path("regulator/companies/add/", regulator_views.company_add, name="regulator_company_add"),
    path(
        "regulator/companies/<int:company_id>/",
        regulator_views.company,
        name="regulator_company",
    ),
    path(
        "regulator/companies/<int:company_id>/keys/",
        regulator_views.key_add,
        name="regulator_key_add",
    ),
    path(
        "regulator/companies/<int:company_id>/token/",
        regulator_views.token_issue,
        name="regulator_token",
    ),
    path(
        "regulator/keys/<int:key_id>/revoke/",
        regulator_views.key_revoke,
        name="regulator_key_revoke",
    ),
    path(
        "regulator/keys/<int:key_id>/confirm/",
        regulator_views.key_confirm,
        name="regulator_key_confirm",
    ),
    path("regulator/periods/", regulator_views.period_set, name="regulator_period"),
    path("regulator/upload/", regulator_views.upload, name="regulator_upload"),
    path(
        "regulator/submissions/<int:submission_id>/",
        regulator_views.submission,
        name="regulator_submission",
    ),
    path("regulator/requests/", regulator_views.request_send, name="regulator_request_send"),
    path(
        "regulator/requests/<int:rfi_id>/",
        regulator_views.request_detail,
        name="regulator_request",
    ),
    path(
        "regulator/answer-files/<int:file_id>/",
        regulator_views.answer_file,
        name="regulator_answer_file",
    ),
    # The company's side of it, on the Compliance page (issue #20).
    path(
        "compliance/regulator/submit/",
        regulator_company_views.submit,
        name="regulator_submit",
    ),
    path("compliance/regulator/pull/", regulator_company_views.pull, name="regulator_pull"),
    path(
        "compliance/regulator/requests/<int:received_id>/",
        regulator_company_views.answer,
        name="regulator_answer",
    ),
    # Safe by default in the company's apps (issue #18).
    path("safety/", safety_views.home, name="safety"),
    path("safety/draft/", safety_views.draft, name="safety_draft"),
    path("safety/<int:policy_id>/", safety_views.policy, name="safety_policy"),
    path("safety/<int:policy_id>/adopt/", safety_views.adopt, name="safety_adopt"),
    path("documents/", document_views.documents, name="documents"),
    path("documents/<slug:kind>/", document_views.document_edit, name="document_edit"),
    # Swipe Safe education (issue #19).
    path("education/", education_views.home, name="education"),
    path("education/curricula/", education_views.curriculum_add, name="education_curriculum"),
    path("education/sessions/new/", education_views.session_new, name="education_session_new"),
    path(
        "education/sessions/<int:session_id>/",
        education_views.session_detail,
        name="education_session",
    ),
    path(
        "education/sessions/<int:session_id>/quiz.pdf",
        education_views.session_sheet,
        name="education_sheet",
    ),
    path(
        "education/sessions/<int:session_id>/status/",
        education_views.session_status,
        name="education_status",
    ),
    path(
        "education/sessions/<int:session_id>/attendance/",
        education_views.session_attendance,
        name="education_attendance",
    ),
    path(
        "education/sessions/<int:session_id>/names/",
        education_views.session_names,
        name="education_names",
    ),
    path(
        "education/sessions/<int:session_id>/paper/",
        education_views.session_paper,
        name="education_paper",
    ),
    path("education/impact/", education_views.impact_page, name="education_impact"),
    # Safeguarding inside the company (issue #21).
    path("safeguarding/staff/", safeguarding_views.staff_directory, name="safeguarding_staff"),
    path("safeguarding/staff/import/", safeguarding_views.staff_import, name="safeguarding_import"),
    path(
        "safeguarding/staff/<int:employee_id>/",
        safeguarding_views.employee_edit,
        name="safeguarding_employee",
    ),
    path(
        "safeguarding/staff/<int:employee_id>/training/",
        safeguarding_views.training_add,
        name="safeguarding_training_add",
    ),
    path("safeguarding/officers/", safeguarding_views.officer_page, name="safeguarding_officers"),
    path("safeguarding/policies/", safeguarding_views.policy_page, name="safeguarding_policies"),
    path(
        "safeguarding/policies/<int:document_id>/",
        safeguarding_views.policy_status,
        name="safeguarding_policy",
    ),
    path(
        "safeguarding/training/", safeguarding_views.training_overdue, name="safeguarding_training"
    ),
    path("concerns/", concern_views.concerns, name="concerns"),
    path("concerns/<int:concern_id>/", concern_views.concern, name="concern"),
]
