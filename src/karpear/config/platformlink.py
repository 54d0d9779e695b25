"""The company's platform: webhook delivery (issue #4), notices, referrals and complaints about
decisions (issue #17)."""

from __future__ import annotations

import os

from karpear.config.env import env_bool, env_int

# Webhook delivery.
KARPEAR_WEBHOOK_TIMEOUT = env_int("KARPEAR_WEBHOOK_TIMEOUT", 5)  # seconds per attempt
KARPEAR_WEBHOOK_MAX_BACKOFF = env_int("KARPEAR_WEBHOOK_MAX_BACKOFF", 3600)  # seconds
KARPEAR_WEBHOOK_GIVE_UP_HOURS = env_int("KARPEAR_WEBHOOK_GIVE_UP_HOURS", 24)

# Notices (issue #4): items per notice (their largest body is in settings.py's body limits).
KARPEAR_NOTICE_MAX_ITEMS = env_int("KARPEAR_NOTICE_MAX_ITEMS", 1000)
# Notices per request of the batch form, POST /api/v1/notices/batch (issue #24); the items of
# all its notices together stay within KARPEAR_NOTICE_MAX_ITEMS.
KARPEAR_NOTICE_BATCH_MAX = env_int("KARPEAR_NOTICE_BATCH_MAX", 100)
# Target for a notice: platform confirmation within this many seconds (shown on the desk).
KARPEAR_NOTICE_ACT_SECONDS = env_int("KARPEAR_NOTICE_ACT_SECONDS", 60)
# Referrals not acknowledged after this many hours are listed on the desk for re-sending
# (issue #17, item 2).
KARPEAR_REFERRAL_ACK_HOURS = env_int("KARPEAR_REFERRAL_ACK_HOURS", 24)

# Tell account holders about decisions on their accounts (account.notice webhook), except
# while content confirmed as CSAM is under investigation (guidelines 2.6: preserve, refer).
KARPEAR_NOTIFY_ACCOUNT_HOLDERS = env_bool("KARPEAR_NOTIFY_ACCOUNT_HOLDERS", True)

# Complaints about decisions (issue #17, item 6). Account holders may contest a decision for
# this many days after it; each complaint is reviewed within KARPEAR_COMPLAINT_REVIEW_HOURS
# (shown on the desk). The public page is rate limited like the report portal.
KARPEAR_COMPLAINT_WINDOW_DAYS = env_int("KARPEAR_COMPLAINT_WINDOW_DAYS", 30)
# What an account holder wrote in a complaint is erased this long after the review (issue #17).
KARPEAR_COMPLAINT_RETENTION_DAYS = env_int("KARPEAR_COMPLAINT_RETENTION_DAYS", 90)
KARPEAR_COMPLAINT_REVIEW_HOURS = env_int("KARPEAR_COMPLAINT_REVIEW_HOURS", 72)
KARPEAR_RATE_COMPLAINTS = os.environ.get("KARPEAR_RATE_COMPLAINTS", "10/60")
KARPEAR_NOTIFY_DURING_CSAM_INVESTIGATION = env_bool(
    "KARPEAR_NOTIFY_DURING_CSAM_INVESTIGATION", False
)
