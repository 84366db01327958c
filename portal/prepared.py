"""Server-side prepared statements for the hottest reads, on PostgreSQL.

PostgreSQL plans every statement it receives. For the reads every official's page makes — their
roles, permissions and agency in one four-branch union (identity.selectors), the queue page, the
dossier screen — planning cost more than executing: 1.8 ms per access read against 0.35–0.58 ms
prepared (measured 2026-12-01 on the 1M bench database). A statement whose text is fixed
(portal.compiled, or SQL written once per process) is therefore `PREPARE`d once per database
connection and run with `EXECUTE name(values)`; after a few executions PostgreSQL keeps a generic
plan and skips the planning.

- Only the arguments are parameters of the prepared statement; the statement's constants (the
  statuses of a queue tab, say) are written into it as literals, so its plan is made for them.
- The connection's prepared names are kept on Django's connection wrapper with the driver
  connection they belong to: a new connection (after `CONN_MAX_AGE`, a failed health check, a
  restart) prepares again. `PREPARE` is not undone by a rollback.
- Off with `DB_PREPARED_STATEMENTS=0` (e.g. behind a PgBouncer in transaction pooling, where a
  session's prepared statements do not follow it), and on every database other than PostgreSQL.
- When the connection logs its queries (DEBUG, the tests' query capture), the `EXECUTE` carries
  the statement's text in a comment, so what was run can still be read."""

from __future__ import annotations

import hashlib

from django.conf import settings

_STATE_ATTR = "_portal_prepared"


def enabled(connection) -> bool:
    return connection.vendor == "postgresql" and getattr(settings, "DB_PREPARED_STATEMENTS", True)


def numbered(sql: str, inline: dict[int, str] | None = None) -> tuple[str, list[int]]:
    """`sql` with its `%s` placeholders as `$1`, `$2`… (and `%%` as `%`): the text of a PREPARE.
    Placeholders listed in `inline` (by position) are written as the literal given instead.
    Returns the text and the positions that remain parameters, in order."""
    inline = inline or {}
    out, kept, i, position = [], [], 0, 0
    while i < len(sql):
        ch = sql[i]
        if ch == "%" and i + 1 < len(sql) and sql[i + 1] in "s%":
            if sql[i + 1] == "%":
                out.append("%")
            else:
                if position in inline:
                    out.append(inline[position])
                else:
                    kept.append(position)
                    out.append(f"${len(kept)}")
                position += 1
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out), kept


def statement_name(text: str) -> str:
    return "portal_" + hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def execute_sql(connection, name: str, text: str, count: int, original: str) -> str:
    """Prepare `text` under `name` on this connection if it is not yet, and return the SQL that
    runs it with `count` parameters (`%s` placeholders, for the driver)."""
    raw = connection.connection
    state = getattr(connection, _STATE_ATTR, None)
    if state is None or state[0] is not raw:
        state = (raw, set())
        setattr(connection, _STATE_ATTR, state)
    if name not in state[1]:
        # The driver's own cursor: a statement made once per connection is not one of the
        # page's statements (the tests count those).
        with raw.cursor() as cursor:
            cursor.execute(f"PREPARE {name} AS {text}")
        state[1].add(name)
    sql = f"EXECUTE {name}({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}"
    if connection.queries_logged:
        sql += " /* " + original.replace("*/", "* /").replace("%", "%%") + " */"
    return sql


class Prepared:
    """A statement of fixed text run through a prepared statement (see the module's doc)."""

    def __init__(self, sql: str, *, inline: dict[int, object] | None = None):
        self.sql = sql
        self.inline_values = inline or {}
        self._text: dict[str, tuple[str, str, list[int]]] = {}

    def _prepared_text(self, connection):
        found = self._text.get(connection.vendor)
        if found is None:
            literals = {}
            if self.inline_values:
                with connection.connection.cursor() as cursor:
                    literals = {i: cursor.mogrify("%s", [v]).decode() for i, v in self.inline_values.items()}
            text, kept = numbered(self.sql, literals)
            found = self._text[connection.vendor] = (statement_name(text), text, kept)
        return found

    def sql_and_params(self, connection, params) -> tuple[str, list]:
        """The SQL and parameters to hand the cursor for these values of all the placeholders."""
        if not enabled(connection):
            return self.sql, list(params)
        connection.cursor().close()  # connects, or reconnects after a failed health check, first
        name, text, kept = self._prepared_text(connection)
        return execute_sql(connection, name, text, len(kept), self.sql), [params[i] for i in kept]
