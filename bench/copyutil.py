"""COPY plumbing for the data generator: a table layout derived from a Django model (so new
fields added by the apps get their defaults without touching the generator), PostgreSQL
text-format serialisation, and a generator process feeding `copy_expert` through a pipe so
that row generation (Python) and ingestion (PostgreSQL) run on both cores at once."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable

from django.db import models

NULL = r"\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def esc(text: str) -> str:
    """A text value in COPY text format."""
    return text.translate(_ESCAPES)


def jtxt(value) -> str:
    return esc(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def ts(value: dt.datetime | None) -> str:
    return NULL if value is None else value.isoformat(sep=" ")


def serialize(value) -> str:
    """Any Python value to COPY text (used for constants, not in the hot loop)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float | decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict | list):
        return jtxt(value)
    return esc(str(value))


def _fallback(field: models.Field):
    """The value a generated row gets for a column the generator does not know about."""
    if field.has_default():
        default = field.default
        if callable(default) and (field.unique or isinstance(field, models.UUIDField)):
            return None  # per-row default; handled by the caller as a variable column
        value = field.get_default()
        if isinstance(field, models.JSONField):
            return jtxt(value)
        return serialize(value)
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return serialize(dt.datetime.now(dt.UTC))
    if field.null:
        return NULL
    if isinstance(field, models.JSONField):
        return "{}"
    if isinstance(field, models.BooleanField):
        return "f"
    if isinstance(field, models.IntegerField | models.DecimalField | models.FloatField):
        return "0"
    if isinstance(field, models.DateTimeField):
        return serialize(dt.datetime.now(dt.UTC))
    if isinstance(field, models.DateField):
        return serialize(dt.date.today())
    if isinstance(field, models.CharField | models.TextField):
        return ""
    raise ValueError(f"{field.model.__name__}.{field.name}: no value and no default")


class Layout:
    """Column order of a table plus a `str.format` template for one row: the columns the
    generator fills are `{0}`, `{1}`, … in the order of `variable`; all others are constants."""

    def __init__(self, model, variable: list[str], constants: dict[str, object] | None = None):
        constants = constants or {}
        self.model = model
        self.table = model._meta.db_table
        self.variable = list(variable)
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [name for name in variable if name not in fields]
        if unknown:
            raise ValueError(f"{model.__name__} has no column(s) {unknown}")
        self.per_row_defaults: list[models.Field] = []
        cells, columns = [], []
        for attname, field in fields.items():
            columns.append(field.column)
            if attname in self.variable:
                cells.append("{" + str(self.variable.index(attname)) + "}")
            elif attname in constants:
                cells.append(serialize(constants[attname]).replace("{", "{{").replace("}", "}}"))
            else:
                value = _fallback(field)
                if value is None:
                    self.per_row_defaults.append(field)
                    self.variable.append(attname)
                    cells.append("{" + str(len(self.variable) - 1) + "}")
                else:
                    cells.append(value.replace("{", "{{").replace("}", "}}"))
        self.columns = columns
        self.template = "\t".join(cells) + "\n"

    def extra(self) -> tuple:
        return tuple(serialize(f.get_default()) for f in self.per_row_defaults)

    def copy_sql(self) -> str:
        cols = ", ".join(f'"{c}"' for c in self.columns)
        return f'COPY "{self.table}" ({cols}) FROM STDIN'


def _writer(fd_w: int, layout: Layout, rows_factory: Callable[[], Iterable[tuple]]):
    fmt = layout.template.format
    with os.fdopen(fd_w, "w", encoding="utf-8", buffering=1 << 20) as out:
        buf = []
        if layout.per_row_defaults:
            for values in rows_factory():
                buf.append(fmt(*values, *layout.extra()))
                if len(buf) >= 5000:
                    out.write("".join(buf))
                    buf.clear()
        else:
            for values in rows_factory():
                buf.append(fmt(*values))
                if len(buf) >= 5000:
                    out.write("".join(buf))
                    buf.clear()
        out.write("".join(buf))


class CopyJob:
    """One table loaded by COPY from a forked generator process, on its own connection."""

    def __init__(
        self,
        dsn: str,
        layout: Layout,
        rows_factory,
        *,
        wait_for: threading.Event | None = None,
        before_commit: list[tuple[str, list]] | None = None,
    ):
        """`before_commit`: statements run in the COPY's transaction (a resumable generator marks
        the chunk done in the same commit as its rows)."""
        self.dsn, self.layout, self.rows_factory, self.wait_for = dsn, layout, rows_factory, wait_for
        self.before_commit = before_commit or []
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.rows = 0
        self.seconds = 0.0

    def run(self):
        import psycopg2

        started = time.monotonic()
        try:
            fd_r, fd_w = os.pipe()
            ctx = multiprocessing.get_context("fork")
            proc = ctx.Process(target=_writer, args=(fd_w, self.layout, self.rows_factory), daemon=True)
            proc.start()
            os.close(fd_w)
            conn = psycopg2.connect(self.dsn)
            try:
                with conn.cursor() as cur, os.fdopen(fd_r, "r", encoding="utf-8", buffering=1 << 20) as src:
                    cur.execute("SET synchronous_commit = off")
                    cur.copy_expert(self.layout.copy_sql(), src, size=1 << 16)
                    self.rows = cur.rowcount
                    for sql, params in self.before_commit:
                        cur.execute(sql, params)
                proc.join()
                if proc.exitcode != 0:
                    raise RuntimeError(f"generator for {self.layout.table} exited with {proc.exitcode}")
                if self.wait_for is not None:
                    self.wait_for.wait()
                conn.commit()
            finally:
                conn.close()
        except BaseException as exc:
            self.error = exc
        finally:
            self.seconds = time.monotonic() - started
            self.done.set()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name=f"copy-{self.layout.table}", daemon=True)
        thread.start()
        return thread


def copy_all(jobs: list[CopyJob]) -> None:
    threads = [job.start() for job in jobs]
    for thread in threads:
        thread.join()
    for job in jobs:
        if job.error is not None:
            raise RuntimeError(f"COPY into {job.layout.table} failed: {job.error}") from job.error
