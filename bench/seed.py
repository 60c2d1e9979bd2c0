"""Fast, deterministic seeding with PostgreSQL ``COPY`` (psycopg 3 ``cursor.copy()``).

Organizations, their owners and memberships, then prompts and one listing per prompt, row
``i`` always being the same row, so a run can grow 10k → 100k → 1M by seeding ranges.

The text is synthetic but shaped for search: names, descriptions and bodies draw pseudo-words from
a vocabulary of a few thousand, so any one of them is in well under 1% of listings; the **common
word** ``email`` is in about 10% of names; the **rare word** ``zeppelin`` is in one listing in
50,000. ``Listing.search_vector`` is a generated column, so COPY computes it.

Browse never reads item versions, so prompts seeded here have no version rows (their
``latest_version`` says 1, like their listings' ``item_version``). Foreign keys are checked by
construction, not by triggers: the COPY runs with ``session_replication_role = replica`` (a
superuser setting; the bench's own database is the only one it touches).
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import random
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg

COMMON_WORD = "email"
RARE_WORD = "zeppelin"
RARE_EVERY = 50_000
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 2 * 365 * 24 * 3600
PASSWORD = "!bench-unusable"  # an unusable password hash: tokens are minted directly

_SYLLABLES = [
    "ka", "lo", "mi", "ne", "ru", "ta", "vo", "pe", "si", "do",
    "fa", "gu", "hi", "jo", "ke", "la", "mu", "no", "pi", "qua",
]  # fmt: skip
_ADJECTIVES = [
    "friendly", "formal", "short", "detailed", "weekly", "urgent", "playful", "concise",
    "technical", "warm", "seasonal", "bold", "gentle", "precise", "creative", "modern",
]  # fmt: skip
_TOPICS = [
    "onboarding", "invoice", "renewal", "feedback", "launch", "support", "recruiting", "survey",
    "newsletter", "refund", "webinar", "summary", "translation", "outline", "pitch", "apology",
    "reminder", "report", "review", "proposal", "checklist", "interview", "tutorial", "update",
]  # fmt: skip
_STATUSES = [
    (0.95, "active"), (0.97, "pending_review"), (0.995, "unpublished"), (1.01, "suspended")
]  # fmt: skip
_KINDS = ["message", "prompt", "script", "reply", "note", "letter", "post", "brief", "guide"]


def _vocabulary() -> list[str]:
    words = [a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in _SYLLABLES[:8]]
    return [w for w in words if w not in {COMMON_WORD, RARE_WORD}]


@dataclass(frozen=True)
class Accounts:
    organizations: list[str]  # uuids, index = organization number
    users: list[int]  # the owner of each organization


class Corpus:
    """Pools of text; row ``i`` combines entries chosen by ``i`` (coprime pool sizes)."""

    def __init__(self, seed: int = 42) -> None:
        rng = random.Random(seed)
        vocab = _vocabulary()
        self.descriptions = [" ".join(rng.choices(vocab, k=10)) for _ in range(20_011)]
        self.bodies = []
        for _ in range(30_011):
            words = rng.choices(vocab, k=16)
            words[3] = "{{" + words[3] + "}}"
            self.bodies.append(" ".join(words).capitalize() + ".")
        self.usage = ["", "", "Fill in the variables and send.", "Use with a warm tone."]

    def name(self, i: int) -> str:
        # ~10% of names carry the common word (kinds cycle independently of topics).
        kind = COMMON_WORD if (i * 7919) % 10 == 3 else _KINDS[i % len(_KINDS)]
        name = f"{_ADJECTIVES[i % 16].capitalize()} {_TOPICS[(i // 16) % 24]} {kind} {i}"
        if i % RARE_EVERY == 7:
            name = f"{RARE_WORD.capitalize()} {name}"
        return name

    def description(self, i: int) -> str:
        return self.descriptions[(i * 104_729) % len(self.descriptions)]

    def body(self, i: int) -> str:
        return self.bodies[(i * 1_299_709) % len(self.bodies)]


def object_id(timestamp: float, serial: int, salt: int) -> str:
    """24 hex like ``config.ids.new_object_id``, unique by ``(salt, serial)``."""
    return f"{int(timestamp) & 0xFFFFFFFF:08x}{salt:04x}{serial:012x}"


def seed_accounts(conn: psycopg.Connection, count: int, *, prefix: str = "org") -> Accounts:
    """``count`` organizations, each with one owner (``owner-<n>@<prefix>.bench``)."""
    now = datetime.now(UTC)
    orgs = [str(uuid.UUID(int=uuid.uuid5(uuid.NAMESPACE_DNS, f"{prefix}-{n}").int)) for n in
            range(count)]  # fmt: skip
    with conn.cursor() as cur:
        with cur.copy(
            "COPY publishing_organization (id, name, slug, created_at, updated_at) FROM STDIN"
        ) as copy:
            for n, org in enumerate(orgs):
                copy.write_row((org, f"Bench {prefix} {n}", f"bench-{prefix}-{n}", now, now))
        first = cur.execute("SELECT coalesce(max(id), 0) + 1 FROM publishing_user").fetchone()[0]
        with cur.copy(
            "COPY publishing_user (id, password, is_superuser, email, full_name, is_staff, "
            "is_active, date_joined) FROM STDIN"
        ) as copy:
            for n in range(count):
                copy.write_row(
                    (first + n, PASSWORD, False, f"owner-{n}@{prefix}.bench", f"Owner {n}",
                     False, True, now)
                )  # fmt: skip
        with cur.copy(
            "COPY publishing_membership (role, created_at, user_id, organization_id) FROM STDIN"
        ) as copy:
            for n, org in enumerate(orgs):
                copy.write_row(("owner", now, first + n, org))
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('publishing_user', 'id'), "
            "(SELECT max(id) FROM publishing_user))"
        )
    conn.commit()
    return Accounts(orgs, [first + n for n in range(count)])


PROMPT_COLUMNS = (
    "id, name, description, body, variables, temperature, content_hidden, copied_from_listing, "
    "copied_from_organization_name, copied_from_name, revision, content_hash, latest_version, "
    "latest_version_hash, created_at, updated_at, organization_id, owner_id"
)
LISTING_COLUMNS = (
    "id, item_type, scope, share_type, is_content_visible, allow_editable_references, name, "
    "description, usage_information, item_version, snapshot_name, snapshot_description, "
    "snapshot_body, snapshot_variables, snapshot_temperature, snapshot_type, snapshot_category, "
    "status, moderation_hold, moderation_reason, usage_count, published_at, updated_at, "
    "organization_id, prompt_id, publisher_id, featured, version, publish_at, unpublish_at"
)
# Issue 19: this share of listings is scheduled to go live within the next year (status
# ``scheduled``, published_at = publish_at), and this share of live ones has a future end.
SCHEDULED_SHARE = 0.10
ENDING_SHARE = 0.02
SCHEDULE_FROM = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def _variables(body: str) -> str:
    start = body.index("{{") + 2
    return json.dumps([body[start : body.index("}}")]])


def _unit(i: int, salt: int) -> float:
    """A deterministic number in [0, 1) for row ``i`` (CPython hashes int tuples stably)."""
    return (hash((i, salt)) & 0xFFFFFFFF) / 4294967296.0


def listing_rows(
    start: int, stop: int, accounts: Accounts, corpus: Corpus
) -> Iterator[tuple[tuple, tuple]]:
    """(prompt row, listing row) for rows ``start`` … ``stop - 1``; row ``i`` is always the
    same."""
    n_orgs = len(accounts.organizations)
    for i in range(start, stop):
        published = EPOCH + timedelta(seconds=_unit(i, 1) * SPAN_SECONDS)
        ts = published.timestamp()
        org_n = i % n_orgs
        org, user = accounts.organizations[org_n], accounts.users[org_n]
        name, description, body = corpus.name(i), corpus.description(i), corpus.body(i)
        variables = _variables(body)
        prompt_id = object_id(ts, i, 1)
        # 90% marketplace; 95% active, the rest pending review, unpublished or suspended; then
        # SCHEDULED_SHARE of all of them scheduled instead (below).
        scope = "organization" if _unit(i, 2) < 0.10 else "marketplace"
        status_roll = _unit(i, 3)
        status = next(s for limit, s in _STATUSES if status_roll < limit)
        visible = _unit(i, 4) < 0.9
        usage_count = int((1.0 - _unit(i, 5)) ** (-1 / 1.2)) - 1  # Pareto: a few popular ones
        featured = _unit(i, 6) < 0.001
        publish_at = unpublish_at = None
        if _unit(i, 7) < SCHEDULED_SHARE:
            status, featured = "scheduled", False
            publish_at = SCHEDULE_FROM + timedelta(seconds=_unit(i, 8) * 364 * 86400)
        elif status == "active" and _unit(i, 9) < ENDING_SHARE:
            unpublish_at = SCHEDULE_FROM + timedelta(seconds=_unit(i, 10) * 364 * 86400)
        prompt = (
            prompt_id, name, description, body, variables, None, False, "", "", "", 1, "", 1, "",
            published, published, org, user,
        )  # fmt: skip
        listing = (
            object_id(ts, i, 2), "prompt", scope, "copy", visible, False, name, description,
            corpus.usage[i % 4], 1, name, description, body, variables, None, "", "", status,
            status == "suspended", "", usage_count, publish_at or published, published, org,
            prompt_id, user, featured, 1, publish_at, unpublish_at,
        )  # fmt: skip
        yield prompt, listing


def _copy_range(url: str, start: int, stop: int, accounts: Accounts) -> None:
    corpus = Corpus()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET synchronous_commit = off")
        with cur.copy(f"COPY publishing_prompt ({PROMPT_COLUMNS}) FROM STDIN") as copy:
            for prompt, _ in listing_rows(start, stop, accounts, corpus):
                copy.write_row(prompt)
        with cur.copy(f"COPY marketplace_listing ({LISTING_COLUMNS}) FROM STDIN") as copy:
            for _, listing in listing_rows(start, stop, accounts, corpus):
                copy.write_row(listing)


def copy_listings(url: str, start: int, stop: int, accounts: Accounts, workers: int = 2) -> float:
    """COPY prompts and listings ``start`` … ``stop - 1`` over ``workers`` connections (separate
    processes: row generation is Python, the tsvector is PostgreSQL's); returns seconds."""
    started = time.perf_counter()
    count = stop - start
    if workers <= 1 or count < 50_000:
        _copy_range(url, start, stop, accounts)
    else:
        bounds = [start + count * k // workers for k in range(workers + 1)]
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = [
                pool.submit(_copy_range, url, lo, hi, accounts)
                for lo, hi in itertools.pairwise(bounds)
            ]
            for future in futures:
                future.result()
    return time.perf_counter() - started


# Secondary indexes of the listing table that are dropped around a large COPY and rebuilt after:
# building them once is much cheaper than maintaining them row by row.
def secondary_indexes(conn: psycopg.Connection, table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of ``table``'s indexes that back no constraint."""
    return conn.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = %s
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
        ORDER BY i.relname
        """,
        [table],
    ).fetchall()


def bulk_load(
    url: str, start: int, stop: int, accounts: Accounts, *, rebuild: bool
) -> dict[str, float]:
    """Seed a range; with ``rebuild`` drop the listing and prompt secondary indexes first and
    rebuild them after (two at a time). Ends with VACUUM ANALYZE. Returns timings in seconds."""
    timings: dict[str, float] = {}
    dropped: list[tuple[str, str]] = []
    with psycopg.connect(url, autocommit=True) as conn:
        if rebuild:
            for table in ("marketplace_listing", "publishing_prompt"):
                dropped += secondary_indexes(conn, table)
            for name, _ in dropped:
                conn.execute(f'DROP INDEX "{name}"')
    timings["copy"] = copy_listings(url, start, stop, accounts)
    started = time.perf_counter()
    if dropped:
        # The GIN index takes longest: start it first; the btrees share the other connection.
        dropped.sort(key=lambda entry: " gin " not in entry[1].lower())
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda stmts: _run_all(url, stmts), [
                [stmt for k, (_, stmt) in enumerate(dropped) if k % 2 == half] for half in (0, 1)
            ]))  # fmt: skip
    timings["indexes"] = time.perf_counter() - started
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE marketplace_listing")
        conn.execute("VACUUM ANALYZE publishing_prompt")
    timings["analyze"] = time.perf_counter() - started
    return timings


def _run_all(url: str, statements: list[str]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        for statement in statements:
            conn.execute(statement)


def copy_prompts(
    url: str, organization: str, owner: int, count: int, *, salt: int, start: int = 0
) -> list[str]:
    """COPY ``count`` unpublished prompts (no versions yet) for one organization; returns their
    ids in id order. ``salt`` keeps ids of different calls apart."""
    corpus = Corpus()
    now = datetime.now(UTC)
    ids = []
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        with cur.copy(f"COPY publishing_prompt ({PROMPT_COLUMNS}) FROM STDIN") as copy:
            for i in range(start, start + count):
                body = corpus.body(i)
                prompt_id = object_id(now.timestamp(), i, salt)
                ids.append(prompt_id)
                copy.write_row(
                    (prompt_id, corpus.name(i), corpus.description(i), body, _variables(body),
                     None, False, "", "", "", 1, "", 0, "", now, now, organization, owner)
                )  # fmt: skip
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE publishing_prompt")
    return ids


def copy_floor_rows(url: str, count: int) -> None:
    """Rows ``0 … count - 1`` for the floor endpoint to lock."""
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("TRUNCATE bench_floor_floorevent, bench_floor_floorrow")
        with cur.copy("COPY bench_floor_floorrow (id, hits) FROM STDIN") as copy:
            for i in range(count):
                copy.write_row((i, 0))


def settle(url: str) -> None:
    """Let the database catch up before a measurement: vacuum and analyze what seeding wrote, and
    checkpoint, so that neither autovacuum nor a checkpoint triggered by the seeding's WAL runs
    during the measured window. (Production does not COPY a million rows just before traffic.)"""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")
