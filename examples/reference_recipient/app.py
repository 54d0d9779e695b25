"""A small reference recipient: what the ACU's or the hotline's system does with referrals.

It polls Karpear's referral inbox with its issuer key, stores each referral once in its own
SQLite database under its own case number, and acknowledges it with that number. It is safe
to kill at any moment: the referral is stored (one row per Karpear id) before it is
acknowledged, the acknowledgement is idempotent at Karpear (the same number again is 200),
and the cursor moves only after a page is fully handled, so every referral ends up stored
exactly once and acknowledged with the number stored.

    python app.py --karpear-url http://127.0.0.1:8000 --key-file var/acu.karpear-key \
        --db var/reference-recipient.sqlite3 --prefix ACU

A child-protection service (the Child Helpline) runs it with `--prefix CHC --outcome contacted`:
after acknowledging a referral of a child it reports what happened (`POST .../outcome`, the same
outcome again is harmless, so this too survives a kill between the two calls).

With --port it also answers GET /api/state (counts and the stored referrals, loopback only)
for a person or a test to look at. Standard library only: a stand-in, not a product.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# Each cycle starts this far before the last cursor, so a referral whose send committed late
# within the same seconds is still seen; duplicates are dropped by Karpear's id.
OVERLAP_SECONDS = 5


class Recipient:
    def __init__(self, url: str, key: str, db: Path, prefix: str, outcome: str = "") -> None:
        if not url.startswith(("http://", "https://")):
            raise SystemExit("--karpear-url must be http(s)")
        self.url, self.key, self.prefix, self.outcome = url.rstrip("/"), key, prefix, outcome
        self.db = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        self.lock = threading.Lock()
        self.db.executescript(
            """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS referral (
                number INTEGER PRIMARY KEY AUTOINCREMENT,
                karpear_id INTEGER NOT NULL UNIQUE,
                report TEXT NOT NULL,
                acknowledged INTEGER NOT NULL DEFAULT 0,
                fetches INTEGER NOT NULL DEFAULT 1
            );
            CREATE TABLE IF NOT EXISTS cursor (id INTEGER PRIMARY KEY CHECK (id = 1), since TEXT);
            CREATE TABLE IF NOT EXISTS problem (at REAL, what TEXT);
            """
        )

    def _call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self.url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        try:
            # The scheme is checked in __init__.
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def reference(self, number: int) -> str:
        return f"{self.prefix}-{number:06d}"

    def handle(self, karpear_id: int) -> None:
        """Store once, then acknowledge with the stored number."""
        status, body = self._call("GET", f"/api/v1/referrals/{karpear_id}")
        if status != 200:
            raise OSError(f"read {karpear_id}: {status}")
        with self.lock:
            self.db.execute(
                "INSERT INTO referral (karpear_id, report) VALUES (?, ?) "
                "ON CONFLICT (karpear_id) DO UPDATE SET fetches = fetches + 1",
                (karpear_id, json.dumps(body["report"])),
            )
            (number,) = self.db.execute(
                "SELECT number FROM referral WHERE karpear_id = ?", (karpear_id,)
            ).fetchone()
        status, _ = self._call(
            "POST",
            f"/api/v1/referrals/{karpear_id}/acknowledge",
            {"reference": self.reference(number)},
        )
        if status not in (200, 201):
            with self.lock:
                self.db.execute("INSERT INTO problem VALUES (?, ?)", (time.time(), f"ack {status}"))
            raise OSError(f"acknowledge {karpear_id}: {status}")
        if self.outcome and body.get("purpose") == "child":
            status, _ = self._call(
                "POST", f"/api/v1/referrals/{karpear_id}/outcome", {"outcome": self.outcome}
            )
            if status not in (200, 201):
                raise OSError(f"outcome {karpear_id}: {status}")
        with self.lock:
            self.db.execute("UPDATE referral SET acknowledged = 1 WHERE number = ?", (number,))

    def cycle(self) -> int:
        """One pass over the inbox; returns how many referrals were handled."""
        row = self.db.execute("SELECT since FROM cursor WHERE id = 1").fetchone()
        query: dict[str, Any] = {"limit": 50}
        if row and row[0]:
            since = datetime.fromisoformat(row[0]) - timedelta(seconds=OVERLAP_SECONDS)
            query["since"] = since.isoformat()
        handled = 0
        while True:
            status, page = self._call("GET", "/api/v1/referrals?" + urllib.parse.urlencode(query))
            if status != 200:
                raise OSError(f"list: {status}")
            for summary in page["referrals"]:
                child = summary["purpose"] == "child"
                unanswered = self.outcome and child and not summary["outcome"]
                if (
                    summary["acknowledged_at"] is None
                    or unanswered
                    or not self._stored(summary["id"])
                ):
                    self.handle(summary["id"])
                    handled += 1
            if not page["referrals"]:
                return handled
            query.update(since=page["next_since"], after_id=page["next_after_id"])
            with self.lock:
                self.db.execute(
                    "INSERT INTO cursor (id, since) VALUES (1, ?) "
                    "ON CONFLICT (id) DO UPDATE SET since = excluded.since",
                    (page["next_since"],),
                )

    def _stored(self, karpear_id: int) -> bool:
        with self.lock:
            return bool(
                self.db.execute(
                    "SELECT 1 FROM referral WHERE karpear_id = ? AND acknowledged = 1",
                    (karpear_id,),
                ).fetchone()
            )

    def state(self) -> dict[str, Any]:
        with self.lock:
            rows = self.db.execute(
                "SELECT number, karpear_id, acknowledged FROM referral ORDER BY number"
            ).fetchall()
            problems = self.db.execute("SELECT count(*) FROM problem").fetchone()[0]
        return {
            "referrals": [
                {"reference": self.reference(n), "karpear_id": k, "acknowledged": bool(a)}
                for n, k, a in rows
            ],
            "problems": problems,
        }


def serve_state(recipient: Recipient, port: int) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/api/state":
                self.send_error(404)
                return
            body = json.dumps(recipient.state()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--karpear-url", required=True)
    parser.add_argument("--key-file", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--prefix", default="ACU")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--outcome",
        default="",
        choices=["", "contacted", "could_not_reach", "declined"],
        help="a child-protection service: report this outcome for each referral of a child",
    )
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    args = parser.parse_args()
    # Under `make run` the key file appears once the demo has made the key: wait for it.
    while not args.key_file.exists():
        time.sleep(args.interval)
    recipient = Recipient(
        args.karpear_url, args.key_file.read_text().strip(), args.db, args.prefix, args.outcome
    )
    if args.port:
        serve_state(recipient, args.port)
    while True:
        try:
            recipient.cycle()
        # HTTPException: Karpear died mid-response (IncompleteRead, BadStatusLine).
        except (OSError, ValueError, KeyError, http.client.HTTPException) as exc:
            print(f"reference recipient: {exc}; retrying", flush=True)
        if args.once:
            return
        time.sleep(args.interval)


if __name__ == "__main__":
    main()
