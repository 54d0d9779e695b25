"""Swipe Safe impact figures over 1M quiz answers, in PostgreSQL and SQLite (issue #19, item 8).

One organisation, one curriculum of seven questions, 50 sessions over five provinces, and enough
participants that their before- and after-answers make the requested number of answer rows. The
full impact page's figures (counts, means, the paired t-interval, per-question difficulty, by
province) are computed in the database; the reference, measured in the same run over the same
rows, is a plain COUNT(*) of those answers through the same session filter.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = 7
SESSIONS = 50


def _series(vendor: str, n: int) -> tuple[str, str]:
    if vendor == "postgresql":
        return "", f"FROM generate_series(0, {n - 1}) AS g(x)"
    head = f"WITH RECURSIVE g(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM g WHERE x < {n - 1}) "
    return head, "FROM g"


def _load(vendor: str, answers: int, first_session: int) -> int:
    """Participants with scores, and their answers: 2 x QUESTIONS rows per participant."""
    from django.db import connection

    people = answers // (2 * QUESTIONS)
    head, src = _series(vendor, people)
    now = "CURRENT_TIMESTAMP"
    with connection.cursor() as cursor:
        # Before: x % 5 right; after: (x % 5) + (x % 3) right (of 7).
        cursor.execute(
            "INSERT INTO education_participant (id, session_id, code_digest, pre_score, pre_at, "
            "pre_channel, post_score, post_at, post_channel, followup_at) "
            f"{head}SELECT x + 1, {first_session} + (x % {SESSIONS}), 'c' || x, "
            f"(x % 5) * 100.0 / {QUESTIONS}, {now}, 'link', "
            f"((x % 5) + (x % 3)) * 100.0 / {QUESTIONS}, {now}, 'link', NULL {src}"
        )
        head, src = _series(vendor, people * 2 * QUESTIONS)
        p, w = f"(x / {2 * QUESTIONS})", f"(x % {2 * QUESTIONS})"
        right = f"CASE WHEN {w} < {QUESTIONS} THEN {p} % 5 ELSE ({p} % 5) + ({p} % 3) END"
        cursor.execute(
            "INSERT INTO education_answer (participant_id, phase, question, choice, correct) "
            f"{head}SELECT {p} + 1, CASE WHEN {w} < {QUESTIONS} THEN 'pre' ELSE 'post' END, "
            f"'y' || (({w} % {QUESTIONS}) + 1), 0, ({w} % {QUESTIONS}) < {right} {src}"
        )
        cursor.execute("ANALYZE")
    return people * 2 * QUESTIONS


def child(answers: int) -> None:
    import django

    django.setup()
    from datetime import date

    from django.db import connection

    from karpear.education.models import Answer
    from karpear.education.selectors import ImpactFilter, impact, sessions_for
    from karpear.education.services import SessionPlan, curriculum_create, session_plan
    from karpear.orgs.services import organisation_create
    from karpear.staff.models import Role
    from karpear.staff.services import staff_create

    org = organisation_create(name="Bench", slug="bench-education")
    trainer = staff_create(organisation=org, username="t", password="x" * 20, role=Role.TRAINER)
    curriculum = curriculum_create(member=trainer, template_id="young-13-15-core")
    places = [("12", "1201"), ("17", "1710"), ("02", "0201"), ("08", "0801"), ("21", "2101")]
    sessions = [
        session_plan(
            member=trainer,
            plan=SessionPlan(
                curriculum_id=curriculum.pk,
                held_on=date.today(),  # noqa: DTZ011 - a bench date, any day will do
                province=places[i % 5][0],
                district=places[i % 5][1],
                place="",
                partner="",
                trainer_id=trainer.pk,
            ),
        )
        for i in range(SESSIONS)
    ]
    t0 = time.perf_counter()
    rows = _load(connection.vendor, answers, sessions[0].pk)
    load = time.perf_counter() - t0
    f = ImpactFilter()
    impact(org, f)  # warm the caches once
    runs, counts = [], []
    for _ in range(2):
        t0 = time.perf_counter()
        figures = impact(org, f)
        runs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        counted = Answer.objects.filter(participant__session__in=sessions_for(org, f)).count()
        counts.append(time.perf_counter() - t0)
    assert counted == rows, (counted, rows)
    p = figures["paired"]
    print(
        f"  {connection.vendor:<10} {rows:>9,} answers (loaded in {load:5.1f}s): impact figures "
        f"{min(runs):6.2f} s, plain count {min(counts):6.2f} s (reference), "
        f"ratio {min(runs) / min(counts):4.1f}x; {p.n:,} pairs, gain {p.mean:.2f} points "
        f"[{p.ci_low:.2f}, {p.ci_high:.2f}]"
    )


def main() -> None:
    import psycopg

    from bench.common import pg_url

    answers = int(os.environ.get("BENCH_EDUCATION_ANSWERS", "1000000"))
    print(f"education: Swipe Safe impact figures over {answers:,} quiz answers")
    base = os.environ.get("BENCH_PG_URL") or pg_url()
    dbname = f"bench_ed_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {dbname}")
    sqlite_dir = tempfile.mkdtemp(prefix="karpear-bench-")
    targets = [base.rsplit("/", 1)[0] + "/" + dbname, f"sqlite:///{sqlite_dir}/bench.sqlite3"]
    try:
        for url in targets:
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "KARPEAR_DATA_DIR": tempfile.mkdtemp(prefix="karpear-bench-"),
                "DJANGO_SETTINGS_MODULE": "karpear.settings",
            }
            subprocess.run([ROOT / ".venv/bin/karpear", "migrate", "-v0"], env=env, check=True)
            subprocess.run([sys.executable, __file__, "--child", str(answers)], env=env, check=True)
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
    else:
        sys.path.insert(0, str(ROOT))
        main()
