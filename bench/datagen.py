"""Fills an empty, migrated PostgreSQL database with a province-sized data set.

Small reference tables (agencies, fields, procedures, published versions) go through the
ORM in bulk; citizens, dossiers and timeline events go through COPY from generator
processes. Dossiers end yesterday so that submissions made during the load run never
collide with generated dossier codes. Everything is deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from portal.kernel.text import text_fold

from . import vocab
from .copyutil import NULL, CopyJob, Layout, copy_all, esc, jtxt, ts

VN = ZoneInfo("Asia/Ho_Chi_Minh")
BENCH_PASSWORD = "bench-portal-2026"
# Citizens 1..BENCH_CITIZENS each get exactly DOSSIERS_PER_BENCH_CITIZEN dossiers at every
# scale, so their "my dossiers" page is comparable between 10k and 1M.
BENCH_CITIZENS = 50
DOSSIERS_PER_BENCH_CITIZEN = 20
# The first agency is the province's one-stop desk and receives this share of all dossiers:
# its queue is the one the bench official works through.
BIG_AGENCY_SHARE = 0.10
HISTORY_DAYS = 450  # ~15 months
PROVINCE_CODES = [1, 79, 86, 89, 92, 94, 95, 96, 31, 48, 56, 75, 80, 82, 83, 84, 87]


@dataclass
class Scale:
    dossiers: int = 1_000_000
    citizens: int = 100_000
    procedures: int = 2_000
    agencies: int = 200
    seed: int = 2026

    def as_dict(self):
        return {
            "dossiers": self.dossiers,
            "citizens": self.citizens,
            "procedures": self.procedures,
            "agencies": self.agencies,
            "seed": self.seed,
        }


PRESETS = {
    "tiny": Scale(dossiers=2_000, citizens=1_000, procedures=200, agencies=20),
    "10k": Scale(dossiers=10_000, citizens=100_000, procedures=2_000, agencies=200),
    "100k": Scale(dossiers=100_000, citizens=100_000, procedures=2_000, agencies=200),
    "1m": Scale(),
    "province": Scale(),
    "10m": Scale(dossiers=10_000_000, citizens=5_000_000, procedures=2_000, agencies=200),
}


@dataclass
class Generated:
    scale: Scale
    seconds: dict = field(default_factory=dict)
    rows: dict = field(default_factory=dict)


def search_normalize(text: str) -> str:
    """What the catalog stores in `search_text` (its search_normalize: the kernel's folding, lower
    case, one space), so generated rows match its searches."""
    return " ".join(text_fold(text).lower().split())


# Bounded: at 10M dossiers there are 5M citizens (the generator stays in bounded memory).
@functools.lru_cache(maxsize=100_000)
def citizen_name(cid: int) -> str:
    s, m, g = vocab.SURNAMES, vocab.MIDDLE, vocab.GIVEN
    return f"{s[cid % len(s)]} {m[(cid // 7) % len(m)]} {g[(cid // 3) % len(g)]}"


@functools.lru_cache(maxsize=100_000)
def citizen_identity(cid: int) -> tuple[str, dt.date, str]:
    """(12-digit CCCD number, date of birth, sex) consistent with DOMAIN.md's structure."""
    rnd = random.Random(cid)
    year = rnd.randint(1950, 1999)
    dob = dt.date(year, rnd.randint(1, 12), rnd.randint(1, 28))
    sex = "M" if cid % 2 else "F"
    gender_digit = 0 if sex == "M" else 1
    province = PROVINCE_CODES[cid % len(PROVINCE_CODES)]
    return f"{province:03d}{gender_digit}{year % 100:02d}{cid % 1_000_000:06d}", dob, sex


def _search_text(snapshot: dict) -> str:
    try:
        from catalog.services import _search_text as catalog_search_text
    except ImportError:
        parts = [snapshot["code"], snapshot["name"], snapshot["field"]["name"], snapshot["description"]]
        parts += [a["name"] for a in snapshot["agencies"]]
        return search_normalize(" ".join(p for p in parts if p))
    return catalog_search_text(snapshot)


# --- reference data through the ORM -------------------------------------------------------------


def _agencies(scale: Scale, rnd: random.Random):
    from catalog.models import Agency

    wards = []
    try:
        from vietnam_provinces import Ward

        wards = [w.name for w in Ward.iter_all() if int(w.province_code) == 86][:400]
    except Exception:  # the package is a convenience for names only
        wards = []
    if len(wards) < scale.agencies:
        wards += [f"Xã Bình An {i}" for i in range(scale.agencies - len(wards))]
    rows = [
        Agency(
            code="000.00.00.H62",
            name="Trung tâm Phục vụ hành chính công tỉnh Vĩnh Long",
            short_name="TTPVHCC",
            level="province",
            address="Số 1 Đường 3 Tháng 2, Phường Thanh Đức, tỉnh Vĩnh Long",
            opening_hours="Thứ Hai – Thứ Sáu, 7:00–11:30, 13:00–17:00",
        )
    ]
    departments = min(len(vocab.DEPARTMENTS), max(1, scale.agencies // 10))
    for i in range(departments):
        rows.append(
            Agency(code=f"000.{i + 1:02d}.00.H62", name=vocab.DEPARTMENTS[i] + " tỉnh Vĩnh Long", level="province")
        )
    i = 0
    while len(rows) < scale.agencies:
        rows.append(
            Agency(
                code=f"000.{20 + i // 100:02d}.{i % 100:02d}.H62",
                name=f"UBND {wards[i]}",
                level="commune",
                opening_hours="Thứ Hai – Thứ Sáu, 7:00–17:00",
            )
        )
        i += 1
    Agency.objects.bulk_create(rows, batch_size=1000)
    return list(Agency.objects.order_by("pk"))


def _catalog(scale: Scale, rnd: random.Random, agencies):
    from catalog.models import FeeLine, Field, Procedure, ProcedureVersion, RequiredDocument

    fields = Field.objects.bulk_create(
        [Field(code=code, name=name, position=i) for i, (code, name) in enumerate(vocab.FIELDS)]
    )
    big, departments = agencies[0], [a for a in agencies[1:] if a.level == "province"]
    communes = [a for a in agencies if a.level == "commune"] or agencies
    procedures, agency_sets = [], []
    for i in range(scale.procedures):
        base = vocab.PROCEDURES[i % len(vocab.PROCEDURES)]
        qualifier = vocab.QUALIFIERS[(i // len(vocab.PROCEDURES)) % len(vocab.QUALIFIERS)]
        round_no = i // (len(vocab.PROCEDURES) * len(vocab.QUALIFIERS))
        name = base + qualifier + (f" (mẫu {round_no + 1})" if round_no else "")
        level = "commune" if i % 3 else "province"
        if level == "commune":
            chosen = rnd.sample(communes, min(len(communes), rnd.randint(3, 12)))
        else:
            chosen = [rnd.choice(departments or agencies)]
        if i % 2 == 0 or not chosen:
            chosen.append(big)  # the one-stop desk receives half the catalog
        agency_sets.append(sorted(set(chosen), key=lambda a: a.pk))
        procedures.append(
            Procedure(
                code=f"1.{100000 + i:06d}",
                name=name,
                description=f"{name}. Thủ tục hành chính thuộc lĩnh vực {fields[i % len(fields)].name}.",
                field=fields[i % len(fields)],
                level=level,
                online_level="full" if i % 4 else "partial",
                processing_time_value=Decimal(rnd.choice([1, 3, 5, 7, 10, 15, 20])),
                processing_time_unit="working_days",
                result_description="Giấy chứng nhận / văn bản trả lời",
                legal_basis="Nghị định 118/2025/NĐ-CP",
                min_eid_level=2 if i % 5 == 0 else 1,
                fee_timing="before_intake",
                form_schema=[],
                popularity=rnd.randint(0, 100_000),
            )
        )
    procedures = Procedure.objects.bulk_create(procedures, batch_size=1000)
    through = Procedure.agencies.through
    through.objects.bulk_create(
        [
            through(procedure_id=p.pk, agency_id=a.pk)
            for p, agencies_ in zip(procedures, agency_sets, strict=True)
            for a in agencies_
        ],
        batch_size=5000,
    )
    docs, fees = [], []
    for i, p in enumerate(procedures):
        for j in range(2 + i % 3):
            name = vocab.DOCUMENTS[(i + j) % len(vocab.DOCUMENTS)]
            # Every seventh procedure takes its mandatory document from the e-ID data (no upload).
            reusable = ["eid:identity"] if j == 0 and i % 7 == 0 else []
            docs.append(
                RequiredDocument(
                    procedure=p, position=j, key=f"doc-{j + 1}", name=name, mandatory=j == 0, reusable_kinds=reusable
                )
            )
        # Every third procedure is free; the others carry one fee line.
        if i % 3:
            fees.append(
                FeeLine(
                    procedure=p, position=0, name="Lệ phí", amount=Decimal(rnd.choice([8000, 20000, 50000, 100000]))
                )
            )
    RequiredDocument.objects.bulk_create(docs, batch_size=5000)
    FeeLine.objects.bulk_create(fees, batch_size=5000)

    from catalog.snapshot import agency_snapshot, decimal_str

    docs_by_p, fees_by_p = {}, {}
    for d in docs:
        docs_by_p.setdefault(d.procedure_id, []).append(d)
    for f in fees:
        fees_by_p.setdefault(f.procedure_id, []).append(f)
    now = dt.datetime.now(VN) - dt.timedelta(days=HISTORY_DAYS + 30)
    versions = []
    for p, agencies_ in zip(procedures, agency_sets, strict=True):
        snapshot = {
            "code": p.code,
            "name": p.name,
            "description": p.description,
            "requirements": p.requirements,
            "field": {"code": p.field.code, "name": p.field.name},
            "level": p.level,
            "online_level": p.online_level,
            "channels": ["online", "counter"],
            "processing_time": {"value": decimal_str(p.processing_time_value), "unit": p.processing_time_unit},
            "result_description": p.result_description,
            "legal_basis": p.legal_basis,
            "min_eid_level": int(p.min_eid_level),
            "fee_timing": p.fee_timing,
            "refund_on_refusal": True,
            "agencies": [agency_snapshot(a) for a in agencies_],
            "documents": [
                {
                    "key": d.key,
                    "name": d.name,
                    "description": "",
                    "form": d.form,
                    "copies": d.copies,
                    "mandatory": d.mandatory,
                    "template_url": None,
                    "reusable_kinds": list(d.reusable_kinds),
                }
                for d in docs_by_p.get(p.pk, [])
            ],
            "fees": [
                {"name": f.name, "kind": f.kind, "amount": decimal_str(f.amount), "note": ""}
                for f in fees_by_p.get(p.pk, [])
            ],
            "form_schema": [],
            "is_bundle": False,
            "bundle_parts": [],
        }
        versions.append(
            ProcedureVersion(
                procedure=p,
                number=1,
                status="published",
                published_at=now,
                snapshot=snapshot,
                code=p.code,
                name=p.name,
                search_name=search_normalize(p.name),
                search_text=_search_text(snapshot),
                field=p.field,
                level=p.level,
                online_level=p.online_level,
                total_fee=sum((f.amount for f in fees_by_p.get(p.pk, [])), Decimal(0)),
            )
        )
    versions = ProcedureVersion.objects.bulk_create(versions, batch_size=1000)
    vthrough = ProcedureVersion.agencies.through
    vthrough.objects.bulk_create(
        [
            vthrough(procedureversion_id=v.pk, agency_id=a.pk)
            for v, agencies_ in zip(versions, agency_sets, strict=True)
            for a in agencies_
        ],
        batch_size=5000,
    )
    # agency id -> list of (version id, processing days)
    by_agency: dict[int, list[tuple[int, int]]] = {}
    for v, p, agencies_ in zip(versions, procedures, agency_sets, strict=True):
        for a in agencies_:
            by_agency.setdefault(a.pk, []).append((v.pk, int(p.processing_time_value)))
    return by_agency


# --- citizens, dossiers and events through COPY -------------------------------------------------


def _citizen_rows(first_id: int, count: int, password_hash: str, joined: dt.datetime):
    def rows():
        joined_s = ts(joined)
        for cid in range(first_id, first_id + count):
            pid, dob, sex = citizen_identity(cid)
            yield (
                str(cid),
                f"citizen{cid}@bench.example.vn",
                esc(citizen_name(cid)),
                pid,
                dob.isoformat(),
                sex,
                f"09{cid:08d}",
                "2" if cid % 3 else "1",
                joined_s,
                password_hash,
            )

    return rows


STATUS_BY_AGE = [
    # (max age in days, [(status, weight), ...])
    (10, [("submitted", 30), ("in_processing", 45), ("supplement_requested", 8), ("result_ready", 5),
          ("completed", 7), ("rejected", 3), ("withdrawn", 2)]),
    (60, [("completed", 55), ("in_processing", 25), ("result_ready", 8), ("supplement_requested", 5),
          ("rejected", 3), ("refused", 2), ("withdrawn", 2)]),
    (10**6, [("completed", 88), ("in_processing", 3), ("result_ready", 1), ("rejected", 3), ("refused", 3),
             ("withdrawn", 2)]),
]  # fmt: skip

EVENTS = {
    # status -> [(action, from, to), ...] after the submit event
    "submitted": [],
    "in_processing": [("receive", "submitted", "in_processing")],
    "supplement_requested": [
        ("receive", "submitted", "in_processing"),
        ("request_supplement", "in_processing", "supplement_requested"),
    ],
    "result_ready": [("receive", "submitted", "in_processing"), ("approve", "in_processing", "result_ready")],
    "completed": [
        ("receive", "submitted", "in_processing"),
        ("approve", "in_processing", "result_ready"),
        ("return_result", "result_ready", "completed"),
    ],
    "rejected": [("reject_intake", "submitted", "rejected")],
    "refused": [("receive", "submitted", "in_processing"), ("refuse", "in_processing", "refused")],
    "withdrawn": [("withdraw", "submitted", "withdrawn")],
}


def _plan(scale: Scale, agencies, by_agency, first_citizen: int, end: dt.datetime):
    """Deterministic per-dossier choices shared by the dossier and event generators."""
    n = scale.dossiers
    start = end - dt.timedelta(days=HISTORY_DAYS)
    span = (end - start).total_seconds()
    agency_ids = [a.pk for a in agencies if a.pk in by_agency]
    weights = [
        BIG_AGENCY_SHARE * n if a == agencies[0].pk else (1 - BIG_AGENCY_SHARE) * n / (len(agency_ids) - 1)
        for a in agency_ids
    ]
    bench_total = min(n // 4, BENCH_CITIZENS * DOSSIERS_PER_BENCH_CITIZEN)
    return {
        "n": n,
        "start": start,
        "span": span,
        "end": end,
        "agency_ids": agency_ids,
        "weights": weights,
        "agency_codes": {a.pk: a.code for a in agencies},
        "by_agency": by_agency,
        "first_citizen": first_citizen,
        "citizens": scale.citizens,
        "bench_total": bench_total,
        "seed": scale.seed,
    }


def _iter_plan(plan, lo: int = 0, hi: int | None = None):
    """Yields (dossier id, created, agency id, version id, days, citizen id, status, rnd) in time
    order for the dossiers lo..hi-1 (0-based). Each chunk has its own random stream (seeded by its
    first index), so a chunk is generated the same way whether or not the ones before it ran in
    this process: that is what makes the generation resumable."""
    n, start, span, end = plan["n"], plan["start"], plan["span"], plan["end"]
    hi = n if hi is None else min(hi, n)
    rnd = random.Random(plan["seed"] * 1_000_003 + lo)
    agency_ids, by_agency = plan["agency_ids"], plan["by_agency"]
    cum = []
    acc = 0.0
    for w in plan["weights"]:
        acc += w
        cum.append(acc)
    first_citizen, citizens, bench_total = plan["first_citizen"], plan["citizens"], plan["bench_total"]
    bench_every = n // bench_total if bench_total else 0
    status_tables = []
    for max_age, table in STATUS_BY_AGE:
        statuses = [s for s, _w in table]
        cw, a = [], 0
        for _s, w in table:
            a += w
            cw.append(a)
        status_tables.append((max_age, statuses, cw))
    choices, bisect_mod = rnd.choices, __import__("bisect")
    for i in range(lo, hi):
        created = start + dt.timedelta(seconds=span * (i + rnd.random()) / n)
        agency = agency_ids[bisect_mod.bisect_left(cum, rnd.random() * acc)]
        version, days = choices(by_agency[agency])[0]
        if bench_every and i % bench_every == 0 and i // bench_every < bench_total:
            citizen = first_citizen + ((i // bench_every) % BENCH_CITIZENS)
        else:
            citizen = first_citizen + BENCH_CITIZENS + rnd.randrange(max(1, citizens - BENCH_CITIZENS))
        age = (end - created).days
        if rnd.random() < 0.015:
            status = "draft"
        else:
            for max_age, statuses, cw in status_tables:
                if age <= max_age:
                    status = statuses[bisect_mod.bisect_left(cw, rnd.random() * cw[-1])]
                    break
        yield i + 1, created, agency, version, days, citizen, status, rnd


def _dossier_rows(plan, lo: int = 0, hi: int | None = None, seq_start: dict | None = None, *, extra_cols=()):
    """`seq_start`: the last number of each (agency, day) already written by earlier chunks.
    `extra_cols` among current_agency_id, legal_due_at (columns the app added over time)."""

    def rows():
        codes = plan["agency_codes"]
        seq: dict[tuple[int, str], int] = dict(seq_start or {})
        for did, created, agency, version, days, citizen, status, rnd in _iter_plan(plan, lo, hi):
            pid, _dob, _sex = citizen_identity(citizen)
            applicant = {
                "full_name": citizen_name(citizen),
                "personal_id": pid,
                "phone": f"09{citizen:08d}",
                "email": f"citizen{citizen}@bench.example.vn",
                "address": "Phường Thanh Đức, tỉnh Vĩnh Long",
            }
            if status == "draft":
                code = submitted = received = due = completed = NULL
                updated = created
            else:
                sub = created + dt.timedelta(minutes=5 + rnd.randrange(60))
                day = sub.astimezone(VN).strftime("%y%m%d")
                key = (agency, day)
                seq[key] = seq.get(key, 0) + 1
                code = f"{codes[agency]}-{day}-{seq[key]:04d}"
                submitted = ts(sub)
                rec = sub + dt.timedelta(hours=2 + rnd.randrange(40))
                received = NULL if status in ("submitted", "rejected", "withdrawn") else ts(rec)
                due_dt = rec + dt.timedelta(days=days * 1.4 + 1)
                due = NULL if status in ("rejected", "withdrawn") else ts(due_dt)
                fin = rec + dt.timedelta(days=rnd.random() * days * 1.3 + 0.5)
                completed = ts(fin) if status in ("completed", "rejected", "refused", "withdrawn") else NULL
                updated = fin if completed != NULL else rec
            extra = {"current_agency_id": str(agency), "legal_due_at": due}
            yield (
                str(did),
                code,
                status,
                str(citizen),
                str(version),
                str(agency),
                jtxt(applicant),
                ts(created),
                ts(updated),
                submitted,
                received,
                due,
                completed,
                *(extra[c] for c in extra_cols),
            )

    return rows


def _event_rows(plan, lo: int = 0, hi: int | None = None, first_eid: int = 1):
    def rows():
        eid = first_eid - 1
        for did, created, _agency, _version, days, _citizen, status, rnd in _iter_plan(plan, lo, hi):
            # The dossier generator consumes the same random stream; mirror its draws.
            if status == "draft":
                continue
            sub = created + dt.timedelta(minutes=5 + rnd.randrange(60))
            rec = sub + dt.timedelta(hours=2 + rnd.randrange(40))
            fin = rec + dt.timedelta(days=rnd.random() * days * 1.3 + 0.5)
            eid += 1
            yield (str(eid), str(did), ts(sub), "submit", "draft", "submitted", "")
            steps = EVENTS[status]
            for k, (action, frm, to) in enumerate(steps):
                eid += 1
                at = rec if k == 0 else rec + (fin - rec) * (k / len(steps))
                note = "Đã tiếp nhận hồ sơ" if action == "receive" else ""
                yield (str(eid), str(did), ts(at), action, frm, to, note)

    return rows


def counters_sync(cur) -> None:
    """Bring the dossiers app's per-(unit, day) code counters up to the generated codes, as a
    data migration would, so new submissions continue the sequences instead of colliding."""
    try:
        from dossiers.models import DossierCodeCounter
    except ImportError:
        return
    table = DossierCodeCounter._meta.db_table
    cur.execute(
        f"INSERT INTO {table} (unit_code, day, last) "
        "SELECT regexp_replace(code, '-[0-9]{6}-[0-9]{4}$', ''), "
        "to_date(substring(code from '-([0-9]{6})-[0-9]{4}$'), 'YYMMDD'), max(right(code, 4)::int) "
        "FROM dossiers_dossier WHERE code ~ '-[0-9]{6}-[0-9]{4}$' GROUP BY 1, 2 "
        f"ON CONFLICT (unit_code, day) DO UPDATE SET last = GREATEST({table}.last, EXCLUDED.last)"
    )


# Rows per committed chunk: a crash or a kill loses at most one chunk; the next run resumes.
CHUNK = int(os.environ.get("BENCH_CHUNK", "500000"))
# Secondary indexes of the bulk tables are dropped while loading and built once at the end
# (one sort each instead of 10M random B-tree inserts); their definitions are kept in bench_gen.
BULK_TABLES = ("identity_user", "dossiers_dossier", "dossiers_dossierevent")


def _state(cur, key: str):
    cur.execute("SELECT value FROM bench_gen WHERE key = %s", [key])
    row = cur.fetchone()
    if not row:
        return None
    import json

    return json.loads(row[0]) if isinstance(row[0], str) else row[0]


def _set_state(cur, key: str, value) -> None:
    import json

    cur.execute(
        "INSERT INTO bench_gen (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [key, json.dumps(value)],
    )


def _mark_sql(key: str, value) -> tuple[str, list]:
    import json

    return (
        "INSERT INTO bench_gen (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [key, json.dumps(value)],
    )


def generation_started(cur) -> dict | None:
    """The scale of an unfinished generation in this database (None: nothing started)."""
    cur.execute("SELECT to_regclass('bench_gen')")
    if cur.fetchone()[0] is None:
        return None
    return _state(cur, "scale")


def _by_agency():
    """agency id -> [(version id, processing days)], in version order (as the plan draws them)."""
    from catalog.models import ProcedureVersion

    through = ProcedureVersion.agencies.through
    by_agency: dict[int, list[tuple[int, int]]] = {}
    for agency_id, version_id, days in through.objects.order_by("procedureversion_id", "agency_id").values_list(
        "agency_id", "procedureversion_id", "procedureversion__procedure__processing_time_value"
    ):
        by_agency.setdefault(agency_id, []).append((version_id, int(days)))
    return by_agency


def _drop_foreign_keys(cur) -> None:
    """Django's foreign keys are checked at COMMIT (deferred): 10M rows × 3 lookups per chunk
    commit. The generator writes consistent ids by construction, so the constraints are dropped
    while loading and added back NOT VALID (enforced for every new row; the generated rows are
    not re-checked)."""
    if _state(cur, "foreign_keys") is not None:
        return
    saved = []
    for table in BULK_TABLES:
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'f'",
            [table],
        )
        saved += [(table, name, definition) for name, definition in cur.fetchall()]
    _set_state(cur, "foreign_keys", saved)
    for table, name, _definition in saved:
        cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')


def _restore_foreign_keys(cur, say) -> None:
    for table, name, definition in _state(cur, "foreign_keys") or []:
        cur.execute("SELECT 1 FROM pg_constraint WHERE conname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition} NOT VALID')
    cur.execute("DELETE FROM bench_gen WHERE key = 'foreign_keys'")


def _drop_indexes(cur) -> None:
    _drop_foreign_keys(cur)
    if _state(cur, "indexes") is not None:
        return
    saved = []
    for table in BULK_TABLES:
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [table],
        )
        saved += cur.fetchall()
    _set_state(cur, "indexes", saved)
    for name, _definition in saved:
        cur.execute(f'DROP INDEX IF EXISTS "{name}"')


def _restore_indexes(cur, say) -> None:
    saved = _state(cur, "indexes") or []
    cur.execute("SET maintenance_work_mem = '512MB'")
    for name, definition in saved:
        cur.execute("SELECT to_regclass(%s)", [name])
        if cur.fetchone()[0] is None:
            started = time.monotonic()
            cur.execute(definition)
            say(f"    index {name} in {time.monotonic() - started:.1f} s\n")
    cur.execute("DELETE FROM bench_gen WHERE key = 'indexes'")
    _restore_foreign_keys(cur, say)


def _seq_before(cur, lo: int, n: int) -> dict:
    """(agency, yymmdd) -> last number used by the dossiers before index lo (the day that
    straddles the chunk boundary continues its numbering)."""
    if lo == 0:
        return {}
    window = max(1000, 3 * n // HISTORY_DAYS)
    cur.execute(
        "SELECT agency_id, substring(code from '-([0-9]{6})-[0-9]{4}$'), max(right(code, 4)::int) "
        "FROM dossiers_dossier WHERE id > %s AND id <= %s AND code IS NOT NULL GROUP BY 1, 2",
        [max(0, lo - window), lo],
    )
    return {(agency, day): last for agency, day, last in cur.fetchall()}


def generate(scale: Scale, *, dsn: str, stdout=None) -> Generated:
    """Fill the (migrated, empty) database, or finish a generation a previous run started with
    the same scale (chunks of CHUNK rows, each committed with its mark). Returns timings per phase
    (of this run; a resumed run says so in `rows["resumed_from"]`)."""
    from catalog.models import Agency
    from dossiers.models import Dossier, DossierEvent
    from identity.models import User

    out = Generated(scale=scale)
    rnd = random.Random(scale.seed)
    say = stdout.write if stdout else (lambda s: None)
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_gen (key text PRIMARY KEY, value jsonb NOT NULL)")
        started_scale = _state(cur, "scale")
        if started_scale is not None and started_scale != scale.as_dict():
            raise RuntimeError(f"this database holds a generation of another scale: {started_scale}")
        _set_state(cur, "scale", scale.as_dict())

    started = time.monotonic()
    with connection.cursor() as cur:
        catalog_done = _state(cur, "catalog")
    if catalog_done is None:
        with transaction.atomic():
            agencies = _agencies(scale, rnd)
            _catalog(scale, rnd, agencies)
            with connection.cursor() as cur:
                cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{User._meta.db_table}"')
                first_citizen = cur.fetchone()[0] + 1
                # Yesterday 20:00: every generated submission (created + at most 65 min) stays on a past day.
                end = dt.datetime.now(VN).replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(hours=4)
                _set_state(cur, "catalog", {"first_citizen": first_citizen, "end": end.isoformat()})
    else:
        say("  resuming a generation of the same scale\n")
        first_citizen, end = catalog_done["first_citizen"], dt.datetime.fromisoformat(catalog_done["end"])
    agencies = list(Agency.objects.order_by("pk"))
    by_agency = _by_agency()
    out.seconds["catalog"] = round(time.monotonic() - started, 2)
    say(f"  catalog: {len(agencies)} agencies, {scale.procedures} procedures in {out.seconds['catalog']} s\n")

    plan = _plan(scale, agencies, by_agency, first_citizen, end)
    joined = end - dt.timedelta(days=HISTORY_DAYS + 60)
    password_hash = make_password(BENCH_PASSWORD)

    user_layout = Layout(
        User,
        ["id", "email", "full_name", "personal_id", "date_of_birth", "sex", "phone", "identity_level", "date_joined",
         "password"],
        {"is_active": True, "is_staff": False, "is_superuser": False, "verified_via": "", "notify_email": True,
         "notify_sms": False},
    )  # fmt: skip
    dossier_fields = {f.attname for f in Dossier._meta.concrete_fields}
    # Columns the dossiers app added over time: the agency holding the dossier now, the legal due date.
    extra_cols = tuple(c for c in ("current_agency_id", "legal_due_at") if c in dossier_fields)
    dossier_layout = Layout(
        Dossier,
        ["id", "code", "status", "citizen_id", "procedure_version_id", "agency_id", "applicant", "created_at",
         "updated_at", "submitted_at", "received_at", "due_at", "completed_at", *extra_cols],
        {"channel": "online", "form_data": {}},
    )  # fmt: skip
    event_layout = Layout(DossierEvent, ["id", "dossier_id", "at", "action", "from_status", "to_status", "note"])

    with connection.cursor() as cur:
        _drop_indexes(cur)

    started = time.monotonic()
    citizens = 0
    for lo in range(0, scale.citizens, CHUNK):
        count = min(CHUNK, scale.citizens - lo)
        with connection.cursor() as cur:
            if _state(cur, f"citizens:{lo}") is not None:
                continue
            cur.execute(
                f'DELETE FROM "{User._meta.db_table}" WHERE id >= %s AND id < %s',
                [first_citizen + lo, first_citizen + lo + count],
            )
        job = CopyJob(
            dsn,
            user_layout,
            _citizen_rows(first_citizen + lo, count, password_hash, joined),
            before_commit=[_mark_sql(f"citizens:{lo}", count)],
        )
        copy_all([job])
        citizens += job.rows
        say(f"    citizens {lo + count:,}/{scale.citizens:,} ({time.monotonic() - started:.0f} s)\n")
    out.seconds["citizens"] = round(time.monotonic() - started, 2)
    out.rows["citizens"] = citizens
    say(f"  citizens: {citizens:,} rows written in {out.seconds['citizens']} s\n")

    started = time.monotonic()
    dossiers = events = 0
    dossier_copy = event_copy = 0.0
    for lo in range(0, scale.dossiers, CHUNK):
        hi = min(scale.dossiers, lo + CHUNK)
        with connection.cursor() as cur:
            if _state(cur, f"dossiers:{lo}") is not None:
                continue
            # A chunk interrupted between its two commits: start it again from scratch.
            cur.execute('DELETE FROM "dossiers_dossierevent" WHERE dossier_id > %s AND dossier_id <= %s', [lo, hi])
            cur.execute('DELETE FROM "dossiers_dossier" WHERE id > %s AND id <= %s', [lo, hi])
            cur.execute('SELECT COALESCE(MAX(id), 0) FROM "dossiers_dossierevent"')
            first_eid = cur.fetchone()[0] + 1
            seq = _seq_before(cur, lo, scale.dossiers)
        dossier_job = CopyJob(dsn, dossier_layout, _dossier_rows(plan, lo, hi, seq, extra_cols=extra_cols))
        event_job = CopyJob(
            dsn,
            event_layout,
            _event_rows(plan, lo, hi, first_eid),
            wait_for=dossier_job.done,
            before_commit=[_mark_sql(f"dossiers:{lo}", hi - lo)],
        )
        copy_all([dossier_job, event_job])
        dossiers += dossier_job.rows
        events += event_job.rows
        dossier_copy += dossier_job.seconds
        event_copy += event_job.seconds
        say(
            f"    dossiers {hi:,}/{scale.dossiers:,}, events +{event_job.rows:,} ({time.monotonic() - started:.0f} s)\n"
        )
    out.seconds["dossiers_and_events"] = round(time.monotonic() - started, 2)
    with connection.cursor() as cur:
        cur.execute('SELECT COUNT(*) FROM "dossiers_dossierevent"')
        out.rows["events"] = cur.fetchone()[0]
    out.rows["dossiers"] = scale.dossiers
    out.rows["dossiers_written_now"] = dossiers
    say(
        f"  dossiers: {dossiers:,}, events: {events:,} written in {out.seconds['dossiers_and_events']} s "
        f"(dossier COPY {dossier_copy:.1f} s, events COPY {event_copy:.1f} s)\n"
    )

    started = time.monotonic()
    with connection.cursor() as cur:
        _restore_indexes(cur, say)
    out.seconds["indexes"] = round(time.monotonic() - started, 2)
    say(f"  secondary indexes built in {out.seconds['indexes']} s\n")

    started = time.monotonic()
    with connection.cursor() as cur:
        for model in (User, Dossier, DossierEvent):
            table = model._meta.db_table
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
            )
        counters_sync(cur)
        cur.execute("ANALYZE")
    out.seconds["analyze"] = round(time.monotonic() - started, 2)
    say(f"  sequences + ANALYZE in {out.seconds['analyze']} s\n")
    out.seconds["total"] = round(sum(out.seconds.values()), 2)
    return out
