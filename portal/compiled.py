"""ORM statements compiled once per shape.

Building a queryset and compiling it to SQL cost the officials' busiest pages more CPU than
PostgreSQL spent answering them: 2.5 ms of the dossier screen's 3.9 ms for its main read, 1.2 of the
queue page's 1.7 (issue 19). The statements of these pages have a fixed shape — only the numbers
in them change from one request to the next — so `CompiledQuery` builds and compiles the queryset
once per shape and process, and later calls only bind the values:

    SCREEN = CompiledQuery(lambda pk, agencies: Dossier.objects.filter(pk=pk, agency_id__in=agencies))
    rows = SCREEN.fetch(pk=7, agencies=[1, 2])   # a list, as list(queryset) would give

The queryset stays the single description of the statement: `fetch` returns exactly what
`list(build(**args))` returns (model instances with their `select_related` rows, or the dicts of
`values()`), through Django's own iterables and converters; the SQL the database receives is the
SQL the ORM writes.

How the values are found in the compiled parameters: the queryset is built twice with two sets of
marker values (never seen in real data) and compiled both times. A parameter equal in both
compilations is a constant of the statement; one equal to an argument's markers in both is that
argument (as given, or as the database backend adapts a datetime, e.g. text on SQLite); anything
else — a value the ORM derived from an argument, such as the bounds of a `__year` lookup — cannot
be bound later, and `CompiledQuery` refuses the statement at once rather than bind it wrongly.

The shape is what changes the SQL text: the arguments' types and the length of each list (an `IN`
list of three agencies is another statement than one of four), plus the arguments named in
`shape_args` (flags the builder branches on). Arguments may be ints, strings, datetimes, None or
lists/tuples/sets of ints and strings."""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import QuerySet

from .prepared import Prepared

# Markers: numbers inside even a positive 32-bit integer column's range (Django drops or empties an
# integer lookup whose value lies outside the column's range instead of compiling it), text no
# citizen types (a private-use character), datetimes in 1900.
_INT_BASE = (2_000_000_000, 2_100_000_000)
_TEXT = "\ue000compiled-{}-{}\ue000"
_DAY = (dt.datetime(1900, 1, 1, tzinfo=dt.UTC), dt.datetime(1900, 6, 1, tzinfo=dt.UTC))


class CompiledQueryError(ValueError):
    """The statement has a parameter derived from an argument: it cannot be compiled once."""


def _fixed(name: str, value, shape_args) -> bool:
    return name in shape_args or value is None or isinstance(value, bool)


def _marker(value, side: int, slot: int):
    if isinstance(value, int):
        return _INT_BASE[side] + slot
    if isinstance(value, str):
        return _TEXT.format(side, slot)
    if isinstance(value, dt.datetime):
        return _DAY[side] + dt.timedelta(microseconds=slot + 1)
    raise TypeError(f"CompiledQuery arguments are ints, strings, datetimes or lists of them, not {type(value)!r}")


def _is_list(value) -> bool:
    return isinstance(value, list | tuple | set | frozenset)


def _items(value) -> list:
    """A list's items in order; a set's in a fixed order (each is one element of an IN list)."""
    return sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)


class _Compiled:
    """One shape on one database: the compiler of the first build (its select list, related rows
    and annotations describe the rows), the SQL, and where each parameter comes from."""

    def __init__(self, compiler, sql: str, slots: list):
        self.compiler, self.sql, self.slots = compiler, sql, slots
        # On PostgreSQL the statement runs prepared, its constants written into it (portal.prepared).
        self.prepared = Prepared(sql, inline={i: value for i, (slot, value) in enumerate(slots) if slot is None})

    def params(self, flat: list) -> tuple:
        return tuple(value if slot is None else slot(flat) for slot, value in self.slots)


class _Shape:
    def __init__(self, query: CompiledQuery, args: dict):
        self.query = query
        # Flags the builder branches on, None and booleans are part of the shape: passed as they are.
        fixed = {k: v for k, v in args.items() if _fixed(k, v, query.shape_args)}
        self.names = sorted(k for k in args if k not in fixed)
        # Each argument (each list item) gets a slot, in the order of `flat`; the markers fill the
        # slots in both builds.
        marked: tuple[dict, dict] = (dict(fixed), dict(fixed))
        slot = 0
        for name in self.names:
            value = args[name]
            for side in (0, 1):
                if _is_list(value):
                    marked[side][name] = [_marker(v, side, slot + i) for i, v in enumerate(_items(value))]
                else:
                    marked[side][name] = _marker(value, side, slot)
            slot += len(value) if _is_list(value) else 1
        self.marked = marked
        self.template: QuerySet = query.build(**marked[0])
        self.per_db: dict[str, _Compiled] = {}
        self.lock = threading.Lock()

    def flat(self, args: dict) -> list:
        values: list = []
        for name in self.names:
            value = args[name]
            values.extend(_items(value) if _is_list(value) else [value])
        return values

    def compiled(self, alias: str) -> _Compiled:
        found = self.per_db.get(alias)
        if found is None:
            with self.lock:
                found = self.per_db.get(alias) or self._compile(alias)
                self.per_db[alias] = found
        return found

    def _compile(self, alias: str) -> _Compiled:
        connection = connections[alias]
        compilers, outputs = [], []
        for side in (0, 1):
            qs = self.template if side == 0 else self.query.build(**self.marked[1])
            compiler = qs.query.get_compiler(using=alias)
            compilers.append(compiler)
            try:
                outputs.append(compiler.as_sql())
            except (EmptyResultSet, FullResultSet) as e:
                raise CompiledQueryError("the statement's conditions depend on argument values") from e
        (sql_a, params_a), (sql_b, params_b) = outputs
        if sql_a != sql_b or len(params_a) != len(params_b):
            raise CompiledQueryError("the statement's SQL depends on argument values, not only on the shape")
        markers = [self._markers_of(side) for side in (0, 1)]
        adapt = connection.ops.adapt_datetimefield_value
        slots = []
        for a, b in zip(params_a, params_b, strict=True):
            if a == b:
                slots.append((None, a))
                continue
            for i, (ma, mb) in enumerate(zip(markers[0], markers[1], strict=True)):
                if a == ma and b == mb:
                    slots.append((functools.partial(_value_at, i), None))
                    break
                if isinstance(ma, dt.datetime) and a == adapt(ma) and b == adapt(mb):
                    slots.append((functools.partial(_adapted_at, i, adapt), None))
                    break
            else:
                raise CompiledQueryError(f"a parameter ({a!r}) is derived from an argument: build it each time")
        used = {slot.args[0] for slot, _value in slots if slot is not None}
        if len(used) != len(markers[0]):
            # An argument that changes nothing in the SQL was dropped by the ORM (say, an integer
            # out of the column's range): binding it later would silently do nothing. Arguments a
            # shape does not use are passed as None.
            raise CompiledQueryError("an argument does not appear in the compiled statement")
        return _Compiled(compilers[0], sql_a, slots)

    def _markers_of(self, side: int) -> list:
        values: list = []
        for name in self.names:
            value = self.marked[side][name]
            values.extend(value if _is_list(value) else [value])
        return values


def _value_at(i: int, flat: list):
    return flat[i]


def _adapted_at(i: int, adapt, flat: list):
    return adapt(flat[i])


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet], *, shape_args: tuple[str, ...] = ()):
        self.build = build
        self.shape_args = shape_args
        self._shapes: dict[tuple, _Shape] = {}
        self._lock = threading.Lock()

    def _shape_key(self, args: dict) -> tuple:
        key = []
        for name in sorted(args):
            value = args[name]
            if _fixed(name, value, self.shape_args):
                key.append((name, "=", value))
            elif _is_list(value):
                key.append((name, "list", len(value), tuple(sorted({type(v).__name__ for v in value}))))
            else:
                key.append((name, type(value).__name__))
        return tuple(key)

    def fetch(self, **args) -> list:
        """What `list(build(**args))` returns, without building or compiling the queryset again."""
        if any(_is_list(v) and not v for v in args.values()):
            return list(self.build(**args))  # an empty IN list: the ORM knows there is no row to read
        key = self._shape_key(args)
        shape = self._shapes.get(key)
        if shape is None:
            with self._lock:
                shape = self._shapes.get(key)
                if shape is None:
                    shape = self._shapes[key] = _Shape(self, args)
        flat = shape.flat(args)
        template = shape.template
        query = _shallow(template.query)
        query.get_compiler = functools.partial(_bound_compiler, shape, flat)
        qs = _shallow(template)  # not copy.copy: a QuerySet's __getstate__ evaluates it
        qs._query = query
        qs._result_cache = None
        return list(qs)


def _shallow(obj):
    """A copy sharing every attribute's value, made without the object's pickling hooks."""
    clone = obj.__class__.__new__(obj.__class__)
    clone.__dict__ = obj.__dict__.copy()
    return clone


def _bound_compiler(shape: _Shape, flat: list, using=None, connection=None, elide_empty=True):
    """Django's iterables ask the query for a compiler: this one answers with the statement compiled
    for the shape and this call's values, on the calling thread's connection."""
    connection = connection or connections[using]
    compiled = shape.compiled(connection.alias)
    compiler = _shallow(compiled.compiler)
    compiler.connection = connection
    sql, params = compiled.prepared.sql_and_params(connection, compiled.params(flat))
    compiler.as_sql = lambda *args, **kwargs: (sql, params)
    return compiler
