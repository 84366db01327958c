"""Tap targets on a phone (390×844), issue 18: every visible interactive element in <main> of
the citizen's pages is at least 44 CSS px tall, so a thumb hits it.

The rule applied (docs/citizen-journey.md, "Tap targets"):
- a, button, input, select, textarea, summary, and the label of a checkbox or radio button
  (the label is the target: tapping it ticks the box, so the box itself is measured through it):
  at least 44 px tall (WCAG 2.5.5, AAA, as the issue asks);
- a link inside running text (a sentence with other words in the same block) at least 24 px
  tall: the inline exception of WCAG 2.5.8 lets it follow the line height of the text; we still
  ask for 24 px (the 2.5.8 minimum) so that neighbouring lines do not overlap;
- elements not rendered (display:none, visibility:hidden, zero size, visually-hidden 1 px) are
  not targets."""

import pytest

from tests.support.world import journey_world

from .flows import citizen_create, dossier_submitted

pytestmark = pytest.mark.e2e

MIN_TARGET = 44
MIN_INLINE = 24

MEASURE = """
(main) => {
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, label';
  const found = [];
  const inSentence = (el) => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    let block = el.parentElement;
    while (block && getComputedStyle(block).display.startsWith('inline')) block = block.parentElement;
    if (!block) return false;
    const own = (el.textContent || '').trim().length;
    let others = 0;
    for (const a of block.querySelectorAll('a, button')) { others += (a.textContent || '').trim().length; }
    return (block.textContent || '').replace(/\\s+/g, ' ').trim().length - others > 3 && own > 0;
  };
  for (const el of main.querySelectorAll(sel)) {
    let target = el;
    if (el.tagName === 'LABEL') {
      const control = el.control;
      if (!control || !['checkbox', 'radio'].includes(control.type)) continue;
    }
    if (el.tagName === 'INPUT' && ['checkbox', 'radio'].includes(el.type) && el.labels && el.labels.length) continue;
    const style = getComputedStyle(target);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const r = target.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;
    if (el.closest('[hidden]')) continue;
    const inline = inSentence(el);
    const name = (el.getAttribute('name') || el.id || (el.textContent || '').trim().slice(0, 40) || el.tagName);
    found.push({tag: el.tagName.toLowerCase(), type: el.type || '', name, height: Math.round(r.height * 10) / 10,
                width: Math.round(r.width * 10) / 10, inline});
  }
  return found;
}
"""


def _too_small(page, path: str) -> list[str]:
    response = page.goto(path)
    assert response.status == 200, f"{path}: {response.status}"
    rows = page.locator("main").evaluate(MEASURE)
    assert rows, f"{path}: nothing interactive measured"
    return [
        f"{path}: <{r['tag']}{' type=' + r['type'] if r['type'] else ''}> {r['name']!r} is {r['height']} px tall"
        f" (needs {MIN_INLINE if r['inline'] else MIN_TARGET}{', inline link' if r['inline'] else ''})"
        for r in rows
        if r["height"] < (MIN_INLINE if r["inline"] else MIN_TARGET)
    ]


def test_every_tap_target_of_the_citizen_pages_is_at_least_44px_on_a_phone(browser_session, transactional_db):
    from dossiers import services

    world = journey_world()
    citizen = citizen_create()
    dossier = dossier_submitted(world, citizen)
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=world.version)

    visitor = browser_session.new_page(phone=True)
    problems = []
    for path in ("/", "/thu-tuc/?q=khai+sinh", "/thu-tuc/1.001193/", "/ho-so/tra-cuu/", "/accounts/login/"):
        problems += _too_small(visitor, path)

    page = browser_session.new_page(phone=True)
    browser_session.login(page, citizen)
    steps = [f"/ho-so/{draft.pk}/buoc/{step}/" for step in ("applicant", "form", "documents", "review")]
    for path in (
        f"/ho-so/nop/{world.version.code}/",
        *steps,
        f"/ho-so/{dossier.pk}/",
        "/ho-so/cua-toi/",
        "/tai-khoan/",
        "/hop-thu/",
    ):
        problems += _too_small(page, path)
    assert not problems, "\n".join(problems)
