"""The company's work with people: Swipe Safe education (issue #19) and safeguarding inside
the company, with its confidential concerns (issue #21)."""

from __future__ import annotations

import os

from karpear.config.env import env_int, env_str

# Swipe Safe education (issue #19): a folder replacing the shipped lessons, paths and curricula
# (laid out like learn/content/), the days after a session when the practice follow-up opens,
# and how long names from a session's sign-in sheet are kept (encrypted) before erasure.
KARPEAR_LEARN_DIR = env_str("KARPEAR_LEARN_DIR", "")
KARPEAR_EDUCATION_FOLLOWUP_DAYS = env_int("KARPEAR_EDUCATION_FOLLOWUP_DAYS", 28)
KARPEAR_EDUCATION_NAME_DAYS = env_int("KARPEAR_EDUCATION_NAME_DAYS", 90)
# Quiz answers per client address: generous, because a whole class can share one school address.
KARPEAR_RATE_QUIZ = os.environ.get("KARPEAR_RATE_QUIZ", "120/60")

# Safeguarding inside the company (issue #21; guidelines 2.2, checklist items 3, 7, 8).
# Directory entries of people who left lose their name, address and role title after this many
# days; acknowledgement links expire after LINK_DAYS and a reminder (with a new link) goes to
# whoever has not acknowledged after REMIND_DAYS, at most REMINDERS times.
KARPEAR_STAFF_ERASE_DAYS = env_int("KARPEAR_STAFF_ERASE_DAYS", 90)
KARPEAR_ACK_LINK_DAYS = env_int("KARPEAR_ACK_LINK_DAYS", 14)
KARPEAR_ACK_REMIND_DAYS = env_int("KARPEAR_ACK_REMIND_DAYS", 7)
KARPEAR_ACK_REMINDERS = env_int("KARPEAR_ACK_REMINDERS", 2)
# Where acknowledgement links point (e.g. https://safe.example.com); empty: the organisation's
# domain over https, else http://127.0.0.1:8000 for development.
KARPEAR_PUBLIC_BASE_URL = os.environ.get("KARPEAR_PUBLIC_BASE_URL", "")
# Courses each kind of role must hold (safeguarding/training.py), and how many months a course
# stays valid when its record gives no expiry date.
KARPEAR_TRAINING_VALID_MONTHS = env_int("KARPEAR_TRAINING_VALID_MONTHS", 24)
# Concerns (issue #21, items 5-6): acknowledged within ACK_HOURS; texts erased RETENTION_DAYS
# after closing; the public page and the receipt check are rate limited per client, and a
# receipt code takes at most CODE_TRIES wrong secrets per hour.
KARPEAR_CONCERN_ACK_HOURS = env_int("KARPEAR_CONCERN_ACK_HOURS", 48)
KARPEAR_CONCERN_RETENTION_DAYS = env_int("KARPEAR_CONCERN_RETENTION_DAYS", 365)
KARPEAR_RATE_CONCERNS = os.environ.get("KARPEAR_RATE_CONCERNS", "10/600")
KARPEAR_RATE_CONCERN_READS = os.environ.get("KARPEAR_RATE_CONCERN_READS", "10/600")
KARPEAR_CONCERN_CODE_TRIES = os.environ.get("KARPEAR_CONCERN_CODE_TRIES", "5/3600")
