"""The desk: staff sign-in budgets (issue #3, item 1; issue #15, item 12) and the analysts'
well-being (issue #16, item 15)."""

from __future__ import annotations

from karpear.config.env import env_int, env_str

# Failure budgets per username (from unknown devices), per client address and per trusted
# device, paused with a capped doubling back-off when spent (staff/throttle.py).
KARPEAR_SIGNIN_ACCOUNT_FAILURES = env_int("KARPEAR_SIGNIN_ACCOUNT_FAILURES", 5)
KARPEAR_SIGNIN_CLIENT_FAILURES = env_int("KARPEAR_SIGNIN_CLIENT_FAILURES", 20)
KARPEAR_SIGNIN_DEVICE_FAILURES = env_int("KARPEAR_SIGNIN_DEVICE_FAILURES", 10)
KARPEAR_SIGNIN_WINDOW_SECONDS = env_int("KARPEAR_SIGNIN_WINDOW_SECONDS", 900)
KARPEAR_SIGNIN_PAUSE_CAP_SECONDS = env_int("KARPEAR_SIGNIN_PAUSE_CAP_SECONDS", 3600)
KARPEAR_SIGNIN_DEVICE_DAYS = env_int("KARPEAR_SIGNIN_DEVICE_DAYS", 90)

# A reminder to take a break after this many reveals in one session (2.6 b).
KARPEAR_REVEALS_BEFORE_BREAK = env_int("KARPEAR_REVEALS_BEFORE_BREAK", 10)
# Desk well-being (issue #16, item 15; docs/operations.md "Desk well-being"): minutes on pages
# that can show reported content before every desk page reminds to take a break; the most one
# page view can count; the gap without desk requests that counts as a break; who to contact.
KARPEAR_EXPOSURE_BREAK_MINUTES = env_int("KARPEAR_EXPOSURE_BREAK_MINUTES", 45)
KARPEAR_EXPOSURE_PAGE_MAX_MINUTES = env_int("KARPEAR_EXPOSURE_PAGE_MAX_MINUTES", 5)
KARPEAR_BREAK_MINUTES = env_int("KARPEAR_BREAK_MINUTES", 15)
KARPEAR_WELLBEING_CONTACT = env_str("KARPEAR_WELLBEING_CONTACT")
