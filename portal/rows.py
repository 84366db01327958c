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
Models with a `save()` override or save receivers must keep using the ORM."""

from __future__ import annotations

from django.db import connections, router
from django.db.models import Model


def rows_insert(rows: list[Model], *, unique: str = "", prefix: str = "", using: str | None = None) -> dict:
    """Insert `rows` (instances of one model, not saved yet). Without `unique`: all of them,
    their pks set; returns {pk: pk}. With `unique` (a column with a unique constraint): only the
    rows whose value is new (`ON CONFLICT … DO NOTHING`); returns {value: pk} of those inserted."""
    if not rows:
        return {}
    model = type(rows[0])
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    if not connection.features.can_return_rows_from_bulk_insert:  # pragma: no cover - SQLite < 3.35
        return _rows_insert_one_by_one(rows, unique=unique, alias=alias)
    fields, head, one, tail = _statement(model, connection, unique)
    values: list = []
    for row in rows:
        for f in fields:
            values.append(f.get_db_prep_save(f.pre_save(row, True), connection))
    sql = f"{prefix}{head}{', '.join([one] * len(rows))}{tail}"
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        returned = cursor.fetchall()
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


_STATEMENTS: dict[tuple, tuple] = {}


def _statement(model, connection, unique: str) -> tuple[list, str, str, str]:
    """(fields, "INSERT INTO t (columns) VALUES ", "(%s, …)", " [ON CONFLICT …] RETURNING …") of
    a model on a connection, made once: only the number of rows changes between calls."""
    key = (model, connection.alias, unique)
    found = _STATEMENTS.get(key)
    if found is None:
        meta = model._meta
        fields = [f for f in meta.concrete_fields if not f.primary_key]
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
