"""The shipped Prometheus alert rules load and behave as their unit tests say (issue #23, 2).

`promtool` comes from Debian's `prometheus` package (APT_TEST in the Makefile).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool missing: apt-get install prometheus (make test-deps)"
)


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL
    return subprocess.run(
        [PROMTOOL, *args], cwd=RULES, capture_output=True, text=True, timeout=60, check=False
    )


@needs_promtool
def test_the_rules_file_is_valid() -> None:
    result = _promtool("check", "rules", "karpear-alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_every_alert_passes_its_unit_tests() -> None:
    result = _promtool("test", "rules", "karpear-alerts.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_explained_in_the_operations_guide() -> None:
    rules = yaml.safe_load((RULES / "karpear-alerts.yml").read_text())
    guide = (RULES.parents[1] / "docs" / "operations.md").read_text().lower()
    tests = (RULES / "karpear-alerts.test.yml").read_text()
    for rule in rules["groups"][0]["rules"]:
        assert f"### {rule['alert'].lower()}" in guide, rule["alert"]
        assert f"alertname: {rule['alert']}" in tests, rule["alert"]


def test_the_rules_only_use_metrics_karpear_exposes(acme: object, settings: Any) -> None:
    """A renamed gauge would silently disable its alert or empty a panel: every karpear_* name
    in the rules and the Grafana dashboard must be one /metrics serves."""
    settings.KARPEAR_METRICS_TOKEN = token = "t" * 8 + "Vq3Lm9Xr2Kp7Zw4Nc6Hb1Js5Dg0Fa8Yt"
    client = Client()
    client.get("/en/")  # a request counted before the scrape
    body = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}").content.decode()
    families = list(text_string_to_metric_families(body))
    served = {f.name for f in families} | {s.name for f in families for s in f.samples}
    for shipped in (RULES / "karpear-alerts.yml", RULES.parent / "grafana" / "karpear.json"):
        used = set(re.findall(r"karpear_[a-z_]+", shipped.read_text()))
        assert used and used <= served, (shipped.name, used - served)
