"""The product's health as Prometheus gauges, computed on every scrape (issue #23, item 1).

Each figure is read through the owning app's public `health` module, so `/metrics` shows the
numbers the desk and the worker act on. A scrape costs a bounded number of queries whatever
the number of organisations, cases or items: QUERY_BUDGET, held by
tests/monitoring/test_metrics.py. Labels are organisation slugs, case states and categories,
job and subscription names: never a reference, a link or anything a reporter wrote.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from karpear.audit.health import action_counts, checkpoint_figures
from karpear.blocklist.health import published_figures, subscription_figures
from karpear.cases.health import open_case_counts
from karpear.core.jobs import registered_jobs
from karpear.evidence.health import destruction_figures
from karpear.hashes.health import index_figures
from karpear.orgs.models import Organisation
from karpear.platformlink.health import outbox_figures
from karpear.referrals.health import unacknowledged_referrals

# 1 organisations + 1 cases + 1 outbox + 1 referrals + 1 evidence + 1 integrity failures
# + 2 hash index + 2 blocklist + 1 audit checkpoint + one per worker job with a queue (6).
QUERY_BUDGET = 20
INTEGRITY_WINDOW = timedelta(hours=48)  # the check runs daily: two runs' worth


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else max((now - then).total_seconds(), 0.0)


def _slug(slugs: dict[int, str], pk: int) -> str:
    """An organisation's slug (its id if it appeared after the scrape began)."""
    return slugs.get(pk, str(pk))


def _gauge(name: str, documentation: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"karpear_{name}", documentation, labels=labels)


class ProductCollector(Collector):
    """Yields every product gauge; registered on the registry `/metrics` exposes."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        slugs = dict(Organisation.objects.values_list("id", "slug"))
        yield from self._cases(now, slugs)
        yield from self._deliveries(now, slugs)
        yield from self._evidence(now, slugs)
        yield from self._lists(now, slugs)
        yield from self._audit(now)
        yield from self._jobs()
        yield from self._disk()

    def _cases(self, now: datetime, slugs: dict[int, str]) -> Iterator[GaugeMetricFamily]:
        open_cases = _gauge(
            "cases_open", "Open cases by state and category.", ["organisation", "state", "category"]
        )
        late = _gauge(
            "cases_past_sla", "Open cases past their review or action time.", ["organisation"]
        )
        late_by_org: dict[str, int] = {}
        for organisation, state, category, n, overdue in open_case_counts(now=now):
            slug = _slug(slugs, organisation)
            open_cases.add_metric([slug, state, category], n)
            late_by_org[slug] = late_by_org.get(slug, 0) + overdue
        for slug in slugs.values():
            late.add_metric([slug], late_by_org.get(slug, 0))
        yield open_cases
        yield late

    def _deliveries(self, now: datetime, slugs: dict[int, str]) -> Iterator[GaugeMetricFamily]:
        pending = _gauge("webhooks_pending", "Webhook events not yet confirmed.", ["organisation"])
        dead = _gauge(
            "webhooks_dead", "Webhook events given up on (dead letters).", ["organisation"]
        )
        oldest = _gauge(
            "webhooks_oldest_pending_age_seconds",
            "Age of the oldest webhook event still waiting.",
            ["organisation"],
        )
        seen = {f.organisation_id: f for f in outbox_figures()}
        for pk, slug in slugs.items():
            figures = seen.get(pk)
            pending.add_metric([slug], figures.pending if figures else 0)
            dead.add_metric([slug], figures.dead if figures else 0)
            age = _age(now, figures.oldest_pending_at) if figures else None
            oldest.add_metric([slug], age or 0.0)
        yield from (pending, dead, oldest)
        unacked = _gauge(
            "referrals_unacknowledged",
            "Referrals the recipient has not acknowledged.",
            ["organisation"],
        )
        overdue = _gauge(
            "referrals_unacknowledged_overdue",
            "Unacknowledged referrals sent longer ago than KARPEAR_REFERRAL_ACK_HOURS.",
            ["organisation"],
        )
        referrals = {o: (n, late) for o, n, late in unacknowledged_referrals(now=now)}
        for pk, slug in slugs.items():
            n, late = referrals.get(pk, (0, 0))
            unacked.add_metric([slug], n)
            overdue.add_metric([slug], late)
        yield from (unacked, overdue)

    def _evidence(self, now: datetime, slugs: dict[int, str]) -> Iterator[GaugeMetricFamily]:
        due = _gauge(
            "evidence_due_for_destruction",
            "Evidence items past retention, not on hold, not yet destroyed.",
            ["organisation"],
        )
        overdue = _gauge(
            "evidence_destruction_overdue",
            "Items due for destruction for over an hour: purges are failing.",
            ["organisation"],
        )
        stuck = _gauge(
            "evidence_purge_interrupted",
            "Items whose key was erased but whose destruction did not finish.",
            ["organisation"],
        )
        figures = {f.organisation_id: f for f in destruction_figures(now=now)}
        for pk, slug in slugs.items():
            f = figures.get(pk)
            due.add_metric([slug], f.due if f else 0)
            overdue.add_metric([slug], f.overdue if f else 0)
            stuck.add_metric([slug], f.stuck if f else 0)
        yield from (due, overdue, stuck)
        failures = action_counts(
            actions=["evidence_integrity_failure"], since=now - INTEGRITY_WINDOW
        )["evidence_integrity_failure"]
        yield GaugeMetricFamily(
            "karpear_evidence_integrity_failures",
            "Integrity-check failures (lost or altered items) recorded in the last 48 hours.",
            value=failures,
        )

    def _lists(self, now: datetime, slugs: dict[int, str]) -> Iterator[GaugeMetricFamily]:
        index_age = _gauge(
            "hash_index_age_seconds", "Age of the PDQ index snapshot.", ["organisation"]
        )
        delta = _gauge("hash_index_delta", "PDQ hashes added since the snapshot.", ["organisation"])
        for figures in index_figures():
            age = _age(now, figures.built_at)
            if age is not None:
                index_age.add_metric([_slug(slugs, figures.organisation_id)], age)
            delta.add_metric([_slug(slugs, figures.organisation_id)], figures.delta)
        yield from (index_age, delta)
        published = _gauge(
            "blocklist_published_age_seconds",
            "Age of the newest blocklist version this deployment published.",
            ["organisation"],
        )
        version = _gauge(
            "blocklist_published_version", "Newest published version number.", ["organisation"]
        )
        for p in published_figures():
            published.add_metric(
                [_slug(slugs, p.organisation_id)], _age(now, p.published_at) or 0.0
            )
            version.add_metric([_slug(slugs, p.organisation_id)], p.number)
        yield from (published, version)
        pulled = _gauge(
            "blocklist_subscription_last_pull_age_seconds",
            "Time since the last successful pull of a subscribed list (absent: never pulled).",
            ["organisation", "subscription"],
        )
        failing = _gauge(
            "blocklist_subscription_failing",
            "1 when the last pull of a subscribed list failed.",
            ["organisation", "subscription"],
        )
        for s in subscription_figures():
            labels = [_slug(slugs, s.organisation_id), s.name]
            age = _age(now, s.pulled_at)
            pulled.add_metric(labels, age if age is not None else float("inf"))
            failing.add_metric(labels, 1 if s.failing else 0)
        yield from (pulled, failing)

    def _audit(self, now: datetime) -> Iterator[GaugeMetricFamily]:
        figures = checkpoint_figures()
        age = _age(now, figures.last_at)
        yield GaugeMetricFamily(
            "karpear_audit_checkpoint_age_seconds",
            "Time since the newest signed audit checkpoint on this host (+Inf: none).",
            value=age if age is not None else float("inf"),
        )
        yield GaugeMetricFamily(
            "karpear_audit_entries_since_checkpoint",
            "Audit entries written after the newest checkpoint.",
            value=figures.entries_since,
        )
        yield GaugeMetricFamily(
            "karpear_audit_checkpoint_interval_seconds",
            "KARPEAR_AUDIT_CHECKPOINT_SECONDS, so alerts can compare the age with it.",
            value=settings.KARPEAR_AUDIT_CHECKPOINT_SECONDS,
        )

    def _jobs(self) -> Iterator[GaugeMetricFamily]:
        depth = _gauge("worker_queue_depth", "Things waiting for a worker job.", ["worker_job"])
        for job in registered_jobs():
            if job.depth is not None:
                depth.add_metric([job.name], job.depth())
        yield depth

    def _disk(self) -> Iterator[GaugeMetricFamily]:
        usage = shutil.disk_usage(settings.DATA_DIR)
        yield GaugeMetricFamily(
            "karpear_data_dir_free_bytes",
            "Free space on the data directory's file system.",
            value=usage.free,
        )
        yield GaugeMetricFamily(
            "karpear_data_dir_size_bytes",
            "Size of the data directory's file system.",
            value=usage.total,
        )
