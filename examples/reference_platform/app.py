"""A small reference platform: what a company's service does with Karpear's webhooks.

It has posts and users, receives Karpear's signed webhooks, verifies them with
the Standard Webhooks library, and hides, removes or restores posts and warns,
suspends or bans users, each event applied once (by its webhook-id) however
often it is delivered. State lives in SQLite, so it survives restarts.

    python app.py --port 8001 --secret-file var/reference-platform.secret --db var/ref.sqlite3

With --karpear-url and --karpear-key-file it answers `content.preserve` by uploading each
post's picture (what a user uploaded, or a small benign generated one for the seeded posts) with
its metadata to Karpear's evidence vault, and checks every new upload against Karpear's hash banks
before publishing it:

    curl --data-binary @examples/hashes/modified-copy.jpg -H 'Content-Type: image/jpeg' \
         -H 'X-Owner: u7' http://127.0.0.1:8001/upload

An account holder contests a decision through the platform: POST /contest {"user": "u7",
"reason": "..."} forwards their latest decision to Karpear's POST /api/v1/appeals (needs
--karpear-url and --karpear-key-file); the outcome arrives as an `account.notice` in their inbox,
and a reversal as `account.restore` (the suspension or ban is lifted) or `content.restore`.

Safe by default (issue #18): POST /accounts {"id": "kid", "age": 13, "assurance": "self-declared"}
creates a child's account with the settings Karpear's GET /api/v1/safety-policy gives for the age
band (re-asked with If-None-Match, so an unchanged policy costs a 304), and reports the counts of
accounts at each default to POST /api/v1/safety-policy/attestations. --demo-account-age 13 creates
one such account at start-up (what `make run` does).

For tests: POST /_control {"mode": "ok" | "error" | "slow" | "bad_reply" | "hangup"} changes how
it answers (loopback only; this is a test double, not a product).
"""

from __future__ import annotations

import argparse
import html
import json
import sqlite3
import struct
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


def seed_posts(count: int) -> list[tuple[str, str, str]]:
    return [
        (f"post:{i}", f"https://social.example/p/{i}", f"u{i % 3}") for i in range(1, count + 1)
    ]


STATE = {"ok": "visible", "isolate": "hidden", "remove": "removed", "restore": "visible"}


def age_band(age: int | None) -> str:
    """Appendix 1 band of an age; no age (or an adult's) is "unknown" for Karpear to decide."""
    for band, top in (("0-5", 5), ("6-9", 9), ("10-12", 12), ("13-15", 15), ("16-17", 17)):
        if age is not None and 0 <= age <= top:
            return band
    return "unknown"


def benign_png(seed: int) -> bytes:
    """A tiny solid-colour PNG standing in for a post's picture (never real content)."""
    width = height = 16
    colour = bytes(((seed * 53) % 256, (seed * 97) % 256, (seed * 151) % 256))
    raw = b"".join(b"\x00" + colour * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _multipart(
    karpear_url: str, key: str, path: str, *, fields: dict[str, str], image: bytes, kind: str
) -> dict[str, Any]:
    """POST form fields and one picture to Karpear as multipart/form-data; the JSON answer."""
    boundary = uuid.uuid4().hex
    body = b""
    for name, value in fields.items():
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        body += value.encode() + b"\r\n"
    body += (
        f"--{boundary}\r\nContent-Disposition: form-data; "
        f'name="file"; filename="post"\r\nContent-Type: {kind}\r\n\r\n'
    ).encode()
    body += image + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(  # noqa: S310 - the operator's own Karpear URL
        karpear_url + path,
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - configured
        return dict(json.loads(response.read()))


def upload(
    karpear_url: str, key: str, *, case_id: int, post_id: str, owner: str, image: bytes, kind: str
) -> None:
    """Send one post to Karpear's vault."""
    metadata = json.dumps({"post_id": post_id, "owner": owner, "uploaded_from": "127.0.0.1"})
    fields = {"case_id": str(case_id), "metadata": metadata}
    _multipart(karpear_url, key, "/api/v1/evidence", fields=fields, image=image, kind=kind)


def hash_check(karpear_url: str, key: str, post_id: str, image: bytes, kind: str) -> dict[str, Any]:
    """Ask Karpear whether a new upload matches a hash bank (it acts through webhooks)."""
    fields = {"content_id": post_id}
    return _multipart(
        karpear_url, key, "/api/v1/hashes/check", fields=fields, image=image, kind=kind
    )


class Platform:
    def __init__(
        self, db: str, secret: str, posts: int = 10, karpear_url: str = "", karpear_key: str = ""
    ) -> None:
        self.db = db
        self.secret = secret
        self.karpear_url = karpear_url
        self.karpear_key = karpear_key
        self.mode = "ok"
        self.lock = threading.Lock()
        self.connections = 0  # TCP connections accepted: a sender reuses one (HTTP/1.1)
        with self._conn() as conn:
            conn.executescript("""
                CREATE TABLE IF NOT EXISTS posts (id TEXT PRIMARY KEY, url TEXT, owner TEXT,
                    state TEXT DEFAULT 'visible', preserved INTEGER DEFAULT 0);
                CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY,
                    state TEXT DEFAULT 'active', warnings INTEGER DEFAULT 0, until TEXT);
                CREATE TABLE IF NOT EXISTS applied (msg_id TEXT PRIMARY KEY, type TEXT,
                    at REAL);
                CREATE TABLE IF NOT EXISTS inbox (user TEXT, message_km TEXT, message_en TEXT,
                    appeal_km TEXT, appeal_en TEXT);
                CREATE TABLE IF NOT EXISTS pictures (post TEXT PRIMARY KEY, kind TEXT,
                    data BLOB, checked TEXT);
                CREATE TABLE IF NOT EXISTS decisions (id INTEGER PRIMARY KEY, user TEXT);
                CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, age INTEGER,
                    band TEXT, version INTEGER, settings TEXT, defaults TEXT);
                CREATE TABLE IF NOT EXISTS policies (band_assurance TEXT PRIMARY KEY,
                    etag TEXT, body TEXT);
            """)
            for post_id, url, owner in seed_posts(posts):
                conn.execute(
                    "INSERT OR IGNORE INTO posts (id, url, owner) VALUES (?, ?, ?)",
                    (post_id, url, owner),
                )
                conn.execute("INSERT OR IGNORE INTO users (id) VALUES (?)", (owner,))

    def _conn(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db, timeout=10, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        return conn

    def apply(self, msg_id: str, event: dict[str, Any]) -> bool:
        """Apply an event once; False when this webhook-id was applied before."""
        kind = event["type"]
        data = event["data"]
        with self.lock, self._conn() as conn:
            conn.execute("BEGIN IMMEDIATE")
            if conn.execute("SELECT 1 FROM applied WHERE msg_id = ?", (msg_id,)).fetchone():
                conn.execute("COMMIT")
                return False
            if kind.startswith("content."):
                content = data.get("content", {})
                ids = set(content.get("platform_content_ids", []))
                urls = set(content.get("urls", []))
                rows = conn.execute("SELECT id, url FROM posts").fetchall()
                targets = [pid for pid, url in rows if pid in ids or url in urls]
                action = kind.split(".", 1)[1]
                for pid in targets:
                    if action == "preserve":
                        conn.execute(
                            "UPDATE posts SET preserved = preserved + 1 WHERE id = ?", (pid,)
                        )
                        if self.karpear_url and self.karpear_key:
                            owner = conn.execute(
                                "SELECT owner FROM posts WHERE id = ?", (pid,)
                            ).fetchone()[0]
                            image, kind = self.picture(conn, pid)
                            upload(
                                self.karpear_url,
                                self.karpear_key,
                                case_id=data["case_id"],
                                post_id=pid,
                                owner=owner,
                                image=image,
                                kind=kind,
                            )
                    else:
                        conn.execute(
                            "UPDATE posts SET state = ? WHERE id = ?", (STATE[action], pid)
                        )
            elif kind == "account.notice":
                # What the account holder sees in their inbox, in both languages.
                text = data.get("text", {})
                if data.get("decision_id") and not data.get("complaint_outcome"):
                    conn.execute(
                        "INSERT OR IGNORE INTO decisions VALUES (?, ?)",
                        (data["decision_id"], data.get("account_id", "")),
                    )
                conn.execute(
                    "INSERT INTO inbox VALUES (?, ?, ?, ?, ?)",
                    (
                        data.get("account_id", ""),
                        text.get("km", {}).get("message", ""),
                        text.get("en", {}).get("message", ""),
                        text.get("km", {}).get("appeal", ""),
                        text.get("en", {}).get("appeal", ""),
                    ),
                )
            elif kind.startswith("account."):
                self._apply_account(conn, kind, data)
            conn.execute("INSERT INTO applied VALUES (?, ?, ?)", (msg_id, kind, time.time()))
            conn.execute("COMMIT")
            return True

    def _apply_account(self, conn: sqlite3.Connection, kind: str, data: dict[str, Any]) -> None:
        """Warn, suspend, ban, or lift one of these after a complaint (account.restore)."""
        user = data.get("account_id", "")
        conn.execute("INSERT OR IGNORE INTO users (id) VALUES (?)", (user,))
        if kind == "account.restore" and data.get("reverses") == "account_warning":
            conn.execute("UPDATE users SET warnings = MAX(warnings - 1, 0) WHERE id = ?", (user,))
        elif kind == "account.restore":  # a suspension or ban lifted on complaint
            conn.execute("UPDATE users SET state = 'active', until = NULL WHERE id = ?", (user,))
        elif kind == "account.warn":
            conn.execute("UPDATE users SET warnings = warnings + 1 WHERE id = ?", (user,))
        else:
            conn.execute(
                "UPDATE users SET state = ?, until = ? WHERE id = ?",
                (
                    "suspended" if kind == "account.suspend" else "banned",
                    data.get("ends_at"),
                    user,
                ),
            )

    def contest(self, user: str, reason: str) -> tuple[int, dict[str, Any]]:
        """Forward the user's complaint about their latest decision to Karpear; its answer."""
        with self._conn() as conn:
            row = conn.execute(
                "SELECT id FROM decisions WHERE user = ? ORDER BY id DESC LIMIT 1", (user,)
            ).fetchone()
        if row is None or not (self.karpear_url and self.karpear_key):
            return 404, {"error": "no decision to contest"}
        status, _headers, answer = self._karpear(
            "POST", "/api/v1/appeals", {"decision_id": row[0], "reason": reason}
        )
        return int(status), dict(answer or {})

    def picture(self, conn: sqlite3.Connection, post_id: str) -> tuple[bytes, str]:
        row = conn.execute("SELECT data, kind FROM pictures WHERE post = ?", (post_id,)).fetchone()
        if row:
            return bytes(row[0]), str(row[1])
        return benign_png(int(post_id.split(":")[1])), "image/png"

    def post_new(self, owner: str, image: bytes, kind: str) -> dict[str, Any]:
        """A user's upload: stored, then checked against Karpear's banks before anything else.

        The post is published at once (as most platforms do); when the picture matches a bank
        that acts, Karpear's `content.isolate` webhook hides it moments later.
        """
        with self.lock, self._conn() as conn:
            conn.execute("BEGIN IMMEDIATE")
            number = conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0] + 1
            post_id = f"post:{number}"
            conn.execute(
                "INSERT INTO posts (id, url, owner) VALUES (?, ?, ?)",
                (post_id, f"https://social.example/p/{number}", owner),
            )
            conn.execute("INSERT OR IGNORE INTO users (id) VALUES (?)", (owner,))
            conn.execute("INSERT INTO pictures VALUES (?, ?, ?, '')", (post_id, kind, image))
            conn.execute("COMMIT")
        answer: dict[str, Any] = {"post": post_id}
        if self.karpear_url and self.karpear_key:
            try:
                answer["check"] = hash_check(
                    self.karpear_url, self.karpear_key, post_id, image, kind
                )
            except urllib.error.HTTPError as exc:
                answer["check"] = {"status": exc.code, "error": exc.read().decode()[:500]}
            with self._conn() as conn:
                conn.execute(
                    "UPDATE pictures SET checked = ? WHERE post = ?",
                    (json.dumps(answer["check"]), post_id),
                )
        return answer

    def _karpear(self, method: str, path: str, body: Any = None, etag: str = "") -> Any:
        """One call to Karpear's API with the platform key; (status, headers, JSON or None)."""
        headers = {"Authorization": f"Bearer {self.karpear_key}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if etag:
            headers["If-None-Match"] = etag
        request = urllib.request.Request(  # noqa: S310 - the operator's own Karpear URL
            self.karpear_url + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers=headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                raw = response.read()
                return response.status, dict(response.headers), json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return 304, dict(exc.headers), None
            return exc.code, dict(exc.headers), json.loads(exc.read() or b"{}")

    def policy(self, band: str, assurance: str) -> dict[str, Any]:
        """The settings for a band, from Karpear; a cached copy while its ETag still holds."""
        key = f"{band}|{assurance}"
        with self._conn() as conn:
            row = conn.execute(
                "SELECT etag, body FROM policies WHERE band_assurance = ?", (key,)
            ).fetchone()
        query = urllib.parse.urlencode({"age_band": band, "assurance": assurance})
        status, headers, body = self._karpear(
            "GET", f"/api/v1/safety-policy?{query}", etag=row[0] if row else ""
        )
        if status == 304 and row:
            return dict(json.loads(row[1]))
        if status != 200:
            raise RuntimeError(f"Karpear answered {status}: {body}")
        with self._conn() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO policies VALUES (?, ?, ?)",
                (key, headers.get("ETag", ""), json.dumps(body)),
            )
        return dict(body)

    def account_new(self, account: str, age: int | None, assurance: str) -> dict[str, Any]:
        """A child's account, set up private by default as Karpear's policy says, then the
        attestation of every account of that band and version (counts only)."""
        band = age_band(age)
        policy = self.policy(band, assurance)
        settings = {name: s["value"] for name, s in policy["settings"].items()}
        with self.lock, self._conn() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO accounts VALUES (?, ?, ?, ?, ?, ?)",
                (
                    account,
                    age,
                    policy["served_band"],
                    policy["version"],
                    json.dumps(settings),
                    json.dumps(settings),
                ),
            )
        attested = self.attest(policy["version"], policy["served_band"])
        return {
            "account": account,
            "band": policy["served_band"],
            "version": policy["version"],
            "settings": settings,
            "attestation": attested,
        }

    def attest(self, version: int, band: str) -> dict[str, Any]:
        counts: dict[str, list[int]] = {}
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT settings, defaults FROM accounts WHERE version = ? AND band = ?",
                (version, band),
            ).fetchall()
        for settings_json, defaults_json in rows:
            settings, defaults = json.loads(settings_json), json.loads(defaults_json)
            for name, value in defaults.items():
                pair = counts.setdefault(name, [0, 0])
                pair[0 if settings.get(name) == value else 1] += 1
        body = {
            "version": version,
            "counts": [
                {"age_band": band, "feature": name, "at_default": n[0], "changed": n[1]}
                for name, n in sorted(counts.items())
            ],
        }
        status, _headers, answer = self._karpear("POST", "/api/v1/safety-policy/attestations", body)
        return {"status": status, **(answer or {})}

    def demo_account(self, age: int) -> None:
        """Create the demo child's account once Karpear answers (it may still be starting)."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                self.account_new(f"demo-{age}", age, "self-declared")
                return
            except (OSError, RuntimeError):
                time.sleep(1)

    def snapshot(self) -> dict[str, Any]:
        with self._conn() as conn:
            return {
                "posts": {
                    r[0]: {"url": r[1], "state": r[2], "preserved": r[3]}
                    for r in conn.execute("SELECT id, url, state, preserved FROM posts")
                },
                "users": {
                    r[0]: {"state": r[1], "warnings": r[2], "until": r[3]}
                    for r in conn.execute("SELECT id, state, warnings, until FROM users")
                },
                "applied": conn.execute("SELECT COUNT(*) FROM applied").fetchone()[0],
                "connections": self.connections,
                "accounts": {
                    r[0]: {"age": r[1], "band": r[2], "version": r[3], "settings": json.loads(r[4])}
                    for r in conn.execute("SELECT id, age, band, version, settings FROM accounts")
                },
                "inbox": [
                    {"user": r[0], "km": r[1], "en": r[2], "appeal_en": r[4]}
                    for r in conn.execute("SELECT * FROM inbox")
                ],
            }


def home_page(state: dict[str, Any]) -> str:
    """A small page to watch takedowns happen (issue #23, item 10): the posts (hidden and
    removed ones marked), the users, and the inbox of notices. No script: it reloads itself."""
    e = html.escape
    marks = {"visible": "visible", "hidden": "HIDDEN", "removed": "REMOVED"}
    posts = "".join(
        f'<tr class="{e(p["state"])}"><td>{e(pid)}</td><td>{e(p["url"])}</td>'
        f"<td><strong>{e(marks.get(p['state'], p['state']))}</strong></td>"
        f"<td>{'preserved x' + str(p['preserved']) if p['preserved'] else ''}</td></tr>"
        for pid, p in sorted(state["posts"].items(), key=lambda kv: _post_number(kv[0]))
    )
    users = "".join(
        f"<tr><td>{e(uid)}</td><td>{e(u['state'])}</td><td>{u['warnings']}</td>"
        f"<td>{e(u['until'] or '')}</td></tr>"
        for uid, u in sorted(state["users"].items())
        if u["state"] != "active" or u["warnings"]
    )
    inbox = "".join(
        f'<li><strong>{e(m["user"])}</strong>: {e(m["en"])}<br><span lang="km">{e(m["km"])}'
        "</span></li>"
        for m in state["inbox"]
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="5"><title>Reference platform</title>
<style>body{{font-family:sans-serif;margin:1rem;max-width:60rem}}table{{border-collapse:collapse;
width:100%}}td,th{{border:1px solid #999;padding:.25rem;text-align:left;word-break:break-all}}
tr.hidden,tr.removed{{background:#fde2e2}}</style></head>
<body><main><h1>Reference platform</h1>
<p>What a company's service does with Karpear's webhooks. {state["applied"]} event(s) applied.
This page reloads every 5 seconds; the same data as JSON is at <a href="/api/state">/api/state</a>.
</p>
<h2>Posts</h2><table><thead><tr><th>Post</th><th>Address</th><th>State</th><th>Evidence</th>
</tr></thead><tbody>{posts}</tbody></table>
<h2>Accounts acted on</h2><table><thead><tr><th>User</th><th>State</th><th>Warnings</th>
<th>Until</th></tr></thead><tbody>{users or '<tr><td colspan="4">None yet</td></tr>'}</tbody>
</table>
<h2>Inbox of notices</h2><ul>{inbox or "<li>No notice yet</li>"}</ul></main></body></html>
"""


def _post_number(post_id: str) -> tuple[int, str]:
    tail = post_id.rsplit(":", 1)[-1]
    return (int(tail), "") if tail.isdigit() else (1 << 30, post_id)


def make_handler(platform: Platform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as a real platform's web server: Karpear's worker sends a batch of
        # webhooks on one connection (every answer here has a Content-Length).
        protocol_version = "HTTP/1.1"
        # An answer's headers and body are two writes: without TCP_NODELAY the body waits for
        # the client's delayed ACK (~40 ms) on a kept-alive connection (nginx sets it too).
        disable_nagle_algorithm = True

        def setup(self) -> None:
            super().setup()
            with platform.lock:
                platform.connections += 1

        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/":
                page = home_page(platform.snapshot()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
            elif self.path == "/api/state":
                self._json(200, platform.snapshot())
            elif self.path.startswith("/p/"):
                post = platform.snapshot()["posts"].get("post:" + self.path[3:])
                if post is None or post["state"] != "visible":
                    self._json(404 if post is None else 451, {"error": "not available"})
                else:
                    self._json(200, {"post": self.path[3:]})
            else:
                self._json(404, {"error": "no such page"})

        def do_POST(self) -> None:  # noqa: PLR0911 - one answer per endpoint
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if self.path == "/upload":
                kind = self.headers.get("Content-Type", "")
                if not kind.startswith(("image/", "video/")) or not body:
                    self._json(400, {"error": "send a picture or video as the request body"})
                    return
                owner = self.headers.get("X-Owner", "u0")
                self._json(201, platform.post_new(owner, body, kind))
                return
            if self.path == "/contest":
                asked = json.loads(body or b"{}")
                status, answer = platform.contest(
                    str(asked.get("user", "")), str(asked.get("reason", ""))
                )
                self._json(status, answer)
                return
            if self.path == "/accounts":
                asked = json.loads(body or b"{}")
                if not (platform.karpear_url and platform.karpear_key):
                    self._json(503, {"error": "not linked to Karpear"})
                    return
                age = asked.get("age")
                self._json(
                    201,
                    platform.account_new(
                        str(asked.get("id", "")) or uuid.uuid4().hex[:8],
                        age if isinstance(age, int) else None,
                        str(asked.get("assurance", "self-declared")),
                    ),
                )
                return
            if self.path == "/_control":
                platform.mode = json.loads(body)["mode"]
                self._json(200, {"mode": platform.mode})
                return
            if self.path != "/webhooks/karpear":
                self._json(404, {"error": "no such endpoint"})
                return
            if platform.mode == "error":
                self._json(500, {"error": "down for maintenance"})
                return
            if platform.mode == "slow":
                time.sleep(10)
            try:
                event = Webhook(platform.secret).verify(body, dict(self.headers))
            except WebhookVerificationError as exc:
                self._json(401, {"error": f"bad signature: {exc}"})
                return
            msg_id = self.headers["webhook-id"]
            platform.apply(msg_id, event)
            echoed = "wrong-id" if platform.mode == "bad_reply" else msg_id
            self._json(200, {"received": echoed})
            # "hangup": close the connection after answering without saying so, as a server
            # whose keep-alive timeout races the client's next request.
            self.close_connection = self.close_connection or platform.mode == "hangup"

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--db", default="var/reference-platform.sqlite3")
    parser.add_argument("--secret-file", default="var/reference-platform.secret")
    parser.add_argument("--posts", type=int, default=10, help="how many posts to seed")
    parser.add_argument("--karpear-url", default="", help="where to upload preserved content")
    parser.add_argument("--karpear-key-file", default="", help="a platform API key for that")
    parser.add_argument(
        "--demo-account-age", type=int, default=0, help="create a child's account of this age"
    )
    args = parser.parse_args()
    secret = Path(args.secret_file).read_text().strip()
    key_file = Path(args.karpear_key_file) if args.karpear_key_file else None
    karpear_key = key_file.read_text().strip() if key_file and key_file.exists() else ""
    platform = Platform(args.db, secret, args.posts, args.karpear_url, karpear_key)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(platform))
    if args.demo_account_age and platform.karpear_url and platform.karpear_key:
        threading.Thread(
            target=platform.demo_account, args=(args.demo_account_age,), daemon=True
        ).start()
    print(
        f"Reference platform on http://127.0.0.1:{args.port}/ (posts at /p/1 … /p/10)", flush=True
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
