"""Compliance (issue #8), transparency reports (issue #9), the regulator's side (issue #20) and
the safety settings catalogue (issue #18)."""

from __future__ import annotations

import os

from karpear.config.env import env_int, env_str

# Reassess every one to two years (guidelines section 3), and an optional folder of edited
# framework files that replace the shipped ones by id.
KARPEAR_REASSESS_MONTHS = env_int("KARPEAR_REASSESS_MONTHS", 12)
KARPEAR_FRAMEWORK_DIR = os.environ.get("KARPEAR_FRAMEWORK_DIR", "")

# Transparency reports (issue #9): counts from 1 to N-1 are published as "fewer than N".
KARPEAR_SMALL_NUMBER = env_int("KARPEAR_SMALL_NUMBER", 10)

# The regulator's side (issue #20; docs/operations.md "The regulator"): how long a company's
# previous package key stays valid after a new one is registered, the largest submission body,
# the largest answer to a request for information (files as base64 in JSON), and the smallest
# number of companies a sector median rests on.
KARPEAR_REGULATOR_KEY_OVERLAP_DAYS = env_int("KARPEAR_REGULATOR_KEY_OVERLAP_DAYS", 30)
KARPEAR_REGULATOR_MAX_SUBMISSION_BYTES = env_int(
    "KARPEAR_REGULATOR_MAX_SUBMISSION_BYTES", 2 * 1024 * 1024
)
KARPEAR_REGULATOR_MAX_ANSWER_BYTES = env_int("KARPEAR_REGULATOR_MAX_ANSWER_BYTES", 8 * 1024 * 1024)
KARPEAR_REGULATOR_TIMEOUT = env_int("KARPEAR_REGULATOR_TIMEOUT", 20)  # seconds per HTTP call

# Safe by default in the company's apps (issue #18): a YAML file of extra or replaced safety
# features, same shape as karpear/safety/features.yaml (checked at start-up).
KARPEAR_SAFETY_CATALOGUE = env_str("KARPEAR_SAFETY_CATALOGUE", "")
