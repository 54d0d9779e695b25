"""Reporting: the portal and the in-app API, rate limits, response times, reporters' contact
details, isolation on receipt (issue #16) and the child's portal (issue #22)."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from karpear.config.env import env_bool, env_int, env_list

# Number of reverse proxies in front of Karpear whose X-Forwarded-For we trust.
KARPEAR_TRUSTED_PROXIES = env_int("KARPEAR_TRUSTED_PROXIES", 0)

# Rate limits: "count/seconds". Configurable because a school or an NGO office
# may send many reports from one address.
KARPEAR_RATE_REPORTS = os.environ.get("KARPEAR_RATE_REPORTS", "10/60")
KARPEAR_RATE_STATUS = os.environ.get("KARPEAR_RATE_STATUS", "30/60")
# Public PDFs (transparency report, sector summary, lesson sheets): drawing one costs about a
# second of CPU, so each client may ask for this many per window (core/pdf.py).
KARPEAR_RATE_PDF = os.environ.get("KARPEAR_RATE_PDF", "10/60")
KARPEAR_RATELIMIT_ENABLED = env_bool("KARPEAR_RATELIMIT_ENABLED", True)

# Default response time promised on the receipt (hours); each organisation may
# set its own. 2.6: "a set time to act and respond on each report should be
# established". 24 hours is Karpear's default, not a legal figure.
KARPEAR_DEFAULT_RESPONSE_HOURS = env_int("KARPEAR_DEFAULT_RESPONSE_HOURS", 24)

# Issue #24: how long a process keeps its host -> organisation mapping. A save in the same
# process clears it at once; other processes (workers, hosts) follow within this many seconds.
# 0 turns the cache off.
KARPEAR_ORG_HOST_CACHE_SECONDS = env_int("KARPEAR_ORG_HOST_CACHE_SECONDS", 30)

# Reporter contact details are deleted this long after their case closes
# (issue #3, item 10; privacy by default).
KARPEAR_CONTACT_RETENTION_DAYS = env_int("KARPEAR_CONTACT_RETENTION_DAYS", 90)

# Isolation on receipt (issue #16, item 2; guidelines 2.6 and its box on agency roles): reports in
# these categories about content on the company's own service (a platform content ID, or a link on
# a hosted domain of the platform link) are isolated at once, provisionally under the terms of
# service, until the desk assesses them. "none" turns it off for every category. The abuse guard:
# at most PER_REPORTER isolations per reporter (keyed client hash, or the API key) and PER_HOUR
# per organisation in each clock hour; over a limit the report is still taken and queued.
KARPEAR_ISOLATE_ON_RECEIPT = [
    c for c in env_list("KARPEAR_ISOLATE_ON_RECEIPT", "sexual_image,live_stream") if c != "none"
]
KARPEAR_ISOLATE_PER_REPORTER = env_int("KARPEAR_ISOLATE_PER_REPORTER", 3)
KARPEAR_ISOLATE_PER_HOUR = env_int("KARPEAR_ISOLATE_PER_HOUR", 30)
KARPEAR_ISOLATE_CLAUSE = os.environ.get(
    "KARPEAR_ISOLATE_CLAUSE",
    "Terms of service: content reported as child sexual abuse is hidden while it is assessed",
)

# The child's portal, second version (issue #22). "Leave now" goes to a neutral site that says
# nothing of what the visitor was doing (item 2). Hashes a child sends from /take-it-down/ go to
# the organisation's bank of source "self-report"; its policy is "review" (a match queues the
# upload for a person, isolated meanwhile) unless set to "act" (item 6).
KARPEAR_QUICK_EXIT_URL = os.environ.get("KARPEAR_QUICK_EXIT_URL", "https://www.google.com/")
KARPEAR_SELF_REPORT_POLICY = os.environ.get("KARPEAR_SELF_REPORT_POLICY", "review")
if KARPEAR_SELF_REPORT_POLICY not in ("review", "act"):
    raise ImproperlyConfigured("KARPEAR_SELF_REPORT_POLICY must be review or act")
