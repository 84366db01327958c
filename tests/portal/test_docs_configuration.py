"""docs/configuration.md lists every environment variable the settings read, so the page stays
true as settings are added: a variable read in portal/settings/ (or bench/settings.py) and
missing from the page fails here."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILES = [*sorted((ROOT / "portal" / "settings").glob("*.py")), ROOT / "bench" / "settings.py"]


def _is_env(node: ast.expr) -> bool:
    """`env` (the one object of portal/settings/base.py) or a bare `environ.Env()` / `Env()`."""
    if isinstance(node, ast.Name):
        return node.id == "env"
    if isinstance(node, ast.Call):
        func = node.func
        return (isinstance(func, ast.Attribute) and func.attr == "Env") or (
            isinstance(func, ast.Name) and func.id == "Env"
        )
    return False


def env_vars_read(path: Path) -> set[str]:
    """Names passed as the first argument of `env.<cast>(...)` / `env(...)`, and the names listed
    in module-level `*_ENV` tables (read in a loop, e.g. the payment gateways' keys)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        func = node.func
        if _is_env(func) or (isinstance(func, ast.Attribute) and _is_env(func.value)):
            names.add(first.value)
    return names


def documented_vars() -> set[str]:
    text = (ROOT / "docs" / "configuration.md").read_text()
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", text))


def test_the_parser_finds_settings_read_over_several_lines():
    # SITE_URL and PAYMENT_PROVIDERS are read by calls spanning several lines; a grep would miss them.
    found = set().union(*(env_vars_read(p) for p in SETTINGS_FILES))
    assert {"DATABASE_URL", "PORTAL_VAR_DIR", "SITE_URL", "PAYMENT_PROVIDERS", "BENCH_LOG_LEVEL"} <= found
    assert len(found) > 90


def test_every_environment_variable_of_the_settings_is_documented():
    documented = documented_vars()
    missing = {
        f"{name} ({path.relative_to(ROOT)})"
        for path in SETTINGS_FILES
        for name in env_vars_read(path)
        if name not in documented
    }
    assert not missing, f"add these to docs/configuration.md: {sorted(missing)}"
