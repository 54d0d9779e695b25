"""Property-based fuzzing of every API operation against a live server (issue #15, item 14).

Schemathesis reads /api/v1/openapi.json from a real gunicorn on a fresh
database (SQLite, or PostgreSQL when the suite runs with DATABASE_URL),
generates valid and invalid requests for every operation with an API key of
the scope it needs, and checks that no answer is a server error and that each
status code is one the document lists.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import status_code_conformance

from tests.servers import Server, fresh_environment, karpear

pytestmark = pytest.mark.slow

# Examples per operation (valid and invalid): 11 operations x 50 requests take 25 s on an idle
# 2-core machine, about 2 minutes when eight suites share it.
MAX_EXAMPLES = int(os.environ.get("KARPEAR_FUZZ_EXAMPLES", "50"))
# The scope of key each tag needs; other operations get a platform key.
SCOPE_BY_TAG = {"blocklist": "isp", "notices": "issuer"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("fuzz")
    with fresh_environment(Path(tmp)) as env:
        tokens = {
            scope: karpear(env, "apikey", "create", "--scope", scope, "--name", f"fuzz {scope}")
            .strip()
            .splitlines()[-1]
            for scope in ("platform", "issuer", "isp")
        }
        server = Server(env)
        server.start()
        try:
            _seed(server.url, tokens)
            yield server.url, tokens
        finally:
            server.kill()


def _post(url: str, token: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.status)


def _seed(base_url: str, tokens: dict[str, str]) -> None:
    """A report, and a notice acted on, through the live API: rows the fuzzer's reads meet."""
    report = {"links": ["https://social.example/p/1"], "category": "sexual_image"}
    assert _post(f"{base_url}/api/v1/reports", tokens["platform"], report) == 201
    notice = {
        "issuer_reference": "FUZZ/1",
        "legal_basis": "Order under the Criminal Code, art. 41",
        "items": [{"url": "https://social.example/p/1"}, {"platform_content_id": "post:5"}],
        "actions": ["takedown", "preserve"],
    }
    assert _post(f"{base_url}/api/v1/notices", tokens["issuer"], notice) == 201


def _fuzz(operation: Any, base_url: str, headers: dict[str, str]) -> None:
    """Run Hypothesis over one operation; raises on the first failing check."""

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,  # the same examples every run: a failure is reproducible
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        case.call_and_validate(
            base_url=base_url,
            headers=headers,
            checks=[not_a_server_error, status_code_conformance],
            timeout=30,
        )

    run()


def test_no_operation_answers_with_a_server_error(live: tuple[str, dict[str, str]]) -> None:
    base_url, tokens = live
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            failures.append(f"the document describes an operation badly: {result}")
            continue
        operation = result.ok()
        operations += 1
        tags = [t for t in operation.tags or [] if t in SCOPE_BY_TAG]
        scope = SCOPE_BY_TAG[tags[0]] if tags else "platform"
        try:
            _fuzz(operation, base_url, {"Authorization": f"Bearer {tokens[scope]}"})
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {exc}"[:3000])
    assert operations >= 10
    assert not failures, "\n\n".join(failures)
