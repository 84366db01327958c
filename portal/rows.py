"""New rows written in one INSERT, without the ORM's per-row `save()` machinery.

`Model.save()` costs a filing more CPU than PostgreSQL spends storing the row (issue 13: three
saves were 1.5 ms of a submission's Python). The rows a hot write path creates — a dossier, its
timeline event, its sync message, outbox jobs, notifications — have no `save()` of their own and no
`pre_save`/`post_save` receivers, so `rows_insert` writes them as the SQL compiler would: every
concrete column, each value through its field's `pre_save` (`auto_now_add`, `auto_now`) and
`get_db_prep_save` (JSON, dates), the primary keys read back with `RETURNING`.

    rows_insert([event])                                  # event.pk is set
    created = rows_insert(jobs, unique="key")             # ON CONFLICT (key) DO NOTHING
    # -> {key: pk} of the rows inserted; a repeat keeps pk None and breaks no transaction

`prefix` is a statement sent in the same round trip (the relay's `NOTIFY`, portal.relay).
Models with a `save()` override or save receivers must keep using the ORM.

`rows_together()` goes one step further for a change that writes rows of several tables (a
filing: its timeline event, its national sync message, its outbox jobs): on PostgreSQL the
inserts made in the block are sent at its end — or with the first insert in it that needs an
answer at once (`unique`) — as one statement of data-modifying `WITH`s, one round trip instead of
one per table. Their pks are set then; until then they are not in the database, so only rows
that nothing in the block reads back may be written this way."""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

from django.db import connections, router
from django.db.models import Model

# The inserts waiting for the end of `rows_together` (None: no block open): (rows, alias, prefix).
_TOGETHER: ContextVar[list | None] = ContextVar("rows_together", default=None)


@contextlib.contextmanager
def batched(pending: ContextVar, flush):
    """The shape of the kernel's batches (`rows_together`, `outbox_batch`, `notifications_batch`):
    for the block, `pending` holds a list that the calls append to instead of writing; at its
    end, `flush(items)` if there are any. An inner block is part of the outer one. Nothing is
    flushed if the block raises (the caller's transaction is rolled back anyway)."""
    if pending.get() is not None:
        yield
        return
    items: list = []
    token = pending.set(items)
    try:
        yield
    finally:
        pending.reset(token)
    if items:
        flush(items)


def rows_together():
    """Send the `rows_insert`s of the block in one statement (PostgreSQL; elsewhere each at
    once). An inner block is part of the outer one. Nothing is sent if the block raises."""
    return batched(_TOGETHER, lambda pending: _send_together(pending, last=None))


def rows_insert(rows: list[Model], *, unique: str = "", prefix: str = "", using: str | None = None) -> dict:
    """Insert `rows` (instances of one model, not saved yet; with their pks when the first has
    one, else the database gives them). Without `unique`: all of them, their pks set; returns
    {pk: pk}. With `unique` (a column with a unique constraint): only the
    rows whose value is new (`ON CONFLICT … DO NOTHING`); returns {value: pk} of those inserted."""
    if not rows:
        return {}
    model = type(rows[0])
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    if not connection.features.can_return_rows_from_bulk_insert:  # pragma: no cover - SQLite < 3.35
        return _rows_insert_one_by_one(rows, unique=unique, alias=alias)
    pending = _TOGETHER.get()
    if pending is not None and connection.vendor == "postgresql":
        if not unique:  # sent at the end of the block, or with the next insert that needs an answer
            pending.append((rows, alias, prefix))
            return {}
        if pending:
            return _send_together(pending, last=(rows, alias, prefix, unique))
    fields, head, one, tail = _statement(model, connection, unique, rows[0].pk is not None)
    sql = f"{prefix}{head}{', '.join([one] * len(rows))}{tail}"
    with connection.cursor() as cursor:
        cursor.execute(sql, _values(rows, fields, connection))
        returned = cursor.fetchall()
    return _returned(rows, returned, unique=unique, alias=alias)


def _values(rows: list[Model], fields: list, connection) -> list:
    values: list = []
    for row in rows:
        for f in fields:
            values.append(f.get_db_prep_save(f.pre_save(row, True), connection))
    return values


def _returned(rows: list[Model], returned: list, *, unique: str, alias: str) -> dict:
    """Set the pks of the rows inserted from what RETURNING gave ((pk,) or (pk, unique value))."""
    model = type(rows[0])
    if unique:
        created = {value: id_ for id_, value in returned}
        attname = model._meta.get_field(unique).attname
        for row in rows:
            id_ = created.get(getattr(row, attname))
            if id_ is not None:
                _saved(row, id_, alias)
        return created
    for row, (id_,) in zip(rows, returned, strict=True):  # RETURNING gives the rows in VALUES order
        _saved(row, id_, alias)
    return {id_: id_ for (id_,) in returned}


def _send_together(pending: list, *, last: tuple | None) -> dict:
    """One statement for the waiting inserts (and `last`, the one that needs its answer now):
    `WITH r0 AS (INSERT … RETURNING id), r1 AS (…) SELECT 0, id, NULL FROM r0 UNION ALL …`.
    The answer of `last`, as `rows_insert` gives it."""
    batch = [(rows, alias, prefix, "") for rows, alias, prefix in pending]
    pending.clear()
    if last is not None:
        batch.append(last)
    by_alias: dict[str, list] = {}
    for entry in batch:
        by_alias.setdefault(entry[1], []).append(entry)
    answer: dict = {}
    for alias, entries in by_alias.items():
        connection = connections[alias]
        prefixes, ctes, selects, values = [], [], [], []
        for n, (rows, _alias, prefix, unique) in enumerate(entries):
            fields, head, one, tail = _statement(type(rows[0]), connection, unique, rows[0].pk is not None)
            prefixes.append(prefix)
            ctes.append(f"r{n} AS ({head}{', '.join([one] * len(rows))}{tail})")
            meta, quote = type(rows[0])._meta, connection.ops.quote_name
            extra = quote(meta.get_field(unique).column) if unique else "NULL"
            selects.append(f"SELECT {n}, {quote(meta.pk.column)}, {extra} FROM r{n}")  # noqa: S608 - names from the model
            values += _values(rows, fields, connection)
        sql = "".join(prefixes) + "WITH " + ", ".join(ctes) + " " + " UNION ALL ".join(selects)
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            returned = cursor.fetchall()
        for n, (rows, _alias, _prefix, unique) in enumerate(entries):
            mine = [(pk, value) if unique else (pk,) for k, pk, value in returned if k == n]
            found = _returned(rows, mine, unique=unique, alias=alias)
            if last is not None and rows is last[0]:
                answer = found
    return answer


_STATEMENTS: dict[tuple, tuple] = {}


def _statement(model, connection, unique: str, with_pk: bool = False) -> tuple[list, str, str, str]:
    """(fields, "INSERT INTO t (columns) VALUES ", "(%s, …)", " [ON CONFLICT …] RETURNING …") of
    a model on a connection, made once: only the number of rows changes between calls.
    `with_pk`: the rows carry their primary key (taken from the table's sequence beforehand)."""
    key = (model, connection.alias, unique, with_pk)
    found = _STATEMENTS.get(key)
    if found is None:
        meta = model._meta
        fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]
        quote = connection.ops.quote_name
        pk = quote(meta.pk.column)
        head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "  # noqa: S608 - names from the model
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        if unique:
            column = quote(meta.get_field(unique).column)
            tail = f" ON CONFLICT ({column}) DO NOTHING RETURNING {pk}, {column}"
        else:
            tail = f" RETURNING {pk}"
        found = _STATEMENTS[key] = (fields, head, one, tail)
    return found


def _saved(row: Model, pk, alias: str) -> None:
    row.pk = pk
    row._state.adding, row._state.db = False, alias


def _rows_insert_one_by_one(rows: list[Model], *, unique: str, alias: str) -> dict:  # pragma: no cover
    from django.db import IntegrityError, transaction

    created = {}
    for row in rows:
        try:
            with transaction.atomic(using=alias):
                row.save(force_insert=True, using=alias)
        except IntegrityError:
            if not unique:
                raise
            continue
        created[getattr(row, unique) if unique else row.pk] = row.pk
    return created
