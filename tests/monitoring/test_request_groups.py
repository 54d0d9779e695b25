"""Every API area has its own request series (issue #23, item 1): an operator watching the
regulator's or the safety policy's API errors must not find them lumped into `api_other`."""

from __future__ import annotations

from prometheus_client import REGISTRY

from karpear.monitoring.requests import route_group
from tests.conftest import Client


def test_every_api_route_counts_under_its_own_area() -> None:
    from karpear.api import api

    paths = api.get_openapi_schema(path_prefix="/api/v1/")["paths"]
    groups = {path: route_group(path.replace("{", "").replace("}", "")) for path in paths}
    expected = {
        path: "api_" + path.split("/")[3].replace("-", "_") for path in paths
    }  # /api/v1/<area>/…
    assert groups == expected
    assert {"api_regulator", "api_safety_policy", "api_referrals", "api_appeals"} <= set(
        groups.values()
    )


def test_unknown_or_odd_paths_stay_in_a_bounded_group() -> None:
    assert route_group("/api/v1/no-such-area/1") == "api_other"
    assert route_group("/api/v2/reports") == "api_other"
    assert route_group("/api/v1/openapi.json") == "api_other"
    assert route_group("/api/v1/reports/KP-ABC123\x00") == "api_reports"  # never the reference
    assert route_group("/api/v1/" + "x" * 5000) == "api_other"


def test_a_request_to_the_safety_policy_api_is_counted_under_its_area(client: Client) -> None:
    def count() -> float:
        labels = {"group": "api_safety_policy", "method": "GET", "status": "4xx"}
        return REGISTRY.get_sample_value("karpear_http_requests_total", labels) or 0.0

    before = count()
    assert client.get("/api/v1/safety-policy").status_code == 401  # no key
    assert count() == before + 1
