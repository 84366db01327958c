"""The lifecycle table is the only place that lists a dossier's states.

The rule, checked on the source of every app (catalog, identity, dossiers, payments, portal;
migrations and dossiers/lifecycle.py itself excepted):

1. no comparison (==, !=, in, not in) has on one side a dossier status written out — a string
   literal that is a value of dossiers.models.Status (e.g. "submitted"), a member `Status.X`, or a
   tuple/list/set of them;
2. no query (`filter`, `exclude`, `get`, `Q`) takes a `status`, `status__in`, `…__status` or
   `…__status__in` argument written out the same way;
3. no template compares `….status` with a literal.

Code uses the status groups of dossiers/lifecycle.py instead (`status__in=OPEN_STATUSES`,
`d.status in CLOCK_STOPPED_STATUSES`), or `action_check` / `actions_available`. Assigning a status
(`d.status = Status.SUBMITTED` in a transition) and recording one (an event's `to_status=`) are
not comparisons.
"""

import ast
import re
from pathlib import Path

from dossiers.models import Status

ROOT = Path(__file__).resolve().parents[2]
APPS = ("catalog", "identity", "dossiers", "payments", "portal")
EXEMPT = {Path("dossiers/lifecycle.py")}
QUERY_CALLS = {"filter", "exclude", "get", "Q"}
STATUS_KWARG = re.compile(r"^(?:\w+__)?status(?:__in)?$")
VALUES = set(Status.values)
MEMBERS = set(Status.names)


def _written_status(node) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value in VALUES
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Status":
        return node.attr in MEMBERS
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_written_status(e) for e in node.elts)
    if isinstance(node, ast.Starred):
        return _written_status(node.value)
    return False


def _is_status(node) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "status") or (
        isinstance(node, ast.Name) and node.id == "status"
    )


def _call_name(node: ast.Call) -> str:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")


def violations_in(source: str, name: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_status(s) for s in sides) and any(_written_status(s) for s in sides):
                found.append(f"{name}:{node.lineno} compares a status with a literal")
        elif isinstance(node, ast.Call) and _call_name(node) in QUERY_CALLS:
            for kw in node.keywords:
                if kw.arg and STATUS_KWARG.match(kw.arg) and _written_status(kw.value):
                    found.append(f"{name}:{node.lineno} filters `{kw.arg}` on a literal status")
    return found


def _python_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts or rel in EXEMPT:
                continue
            yield rel, path


def test_no_module_compares_a_dossier_status_with_a_literal():
    found = []
    for rel, path in _python_files():
        found += violations_in(path.read_text(encoding="utf-8"), str(rel))
    assert found == []


_ALTERNATIVES = "|".join(sorted(VALUES))
TEMPLATE_RULE = re.compile(r"\.status\s*(?:==|!=|in|not in)\s*['\"](" + _ALTERNATIVES + r")['\"]")


def test_no_template_compares_a_dossier_status_with_a_literal():
    found = []
    for app in (*APPS, "templates"):
        for path in sorted((ROOT / app).rglob("*.html")):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if TEMPLATE_RULE.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{n}")
    assert found == []


def test_the_rule_catches_what_it_forbids():
    bad = """
if d.status == "submitted": pass
if dossier.status in (Status.SUBMITTED, Status.IN_PROCESSING): pass
Dossier.objects.filter(status=Status.DRAFT)
qs.exclude(dossier__status__in=["completed"])
"""
    assert len(violations_in(bad, "x.py")) == 4
    ok = """
d.status = Status.SUBMITTED
if d.status in OPEN_STATUSES: pass
Dossier.objects.filter(status__in=DRAFT_STATUSES)
Payment.objects.filter(status="paid")
_event(to_status=Status.SUBMITTED)
"""
    assert violations_in(ok, "x.py") == []
