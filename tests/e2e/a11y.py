"""axe-core accessibility checks in the browser, with the axe build shipped in `vendor/`."""

from functools import cache
from pathlib import Path

AXE_PATH = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
# WCAG 2.1 A/AA plus axe's best practices (landmarks, headings, skip links).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


@cache
def axe_source() -> str:
    return AXE_PATH.read_text(encoding="utf-8")


def axe_run(page) -> list[dict]:
    """All axe violations of the page as it is now."""
    # Some rules (label-content-name-mismatch) measure rendered glyphs: wait for the web fonts.
    page.evaluate("() => document.fonts.ready.then(() => true)")
    # Evaluated through the DevTools protocol: not an inline <script>, so the CSP stays intact.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    result = page.evaluate("(options) => window.axe.run(document, options)", AXE_OPTIONS)
    return result["violations"]


def blocking_violations(page) -> list[dict]:
    return [v for v in axe_run(page) if v.get("impact") in BLOCKING_IMPACTS]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {', '.join(node['target'])}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


def assert_accessible(page) -> None:
    violations = blocking_violations(page)
    assert not violations, f"axe found serious/critical violations on {page.url}:\n{describe(violations)}"
