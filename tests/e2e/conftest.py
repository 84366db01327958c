"""Browser test infrastructure: Playwright for Python driving Debian's Chromium against
pytest-django's live server.

- No browser download: Chromium comes from the system (`/usr/bin/chromium`, or `CHROMIUM_PATH`).
  When it is missing the browser tests skip with the reason, unless `REQUIRE_BROWSER=1` (CI),
  where they fail.
- Each test gets a fresh browser context (desktop 1280×800, or a phone 390×844 through
  `phone_page`) on a flushed database (`transactional_db`), with `settings.SITE_URL` pointing at
  the live server so sandboxes (e-ID, VNPay, MoMo, registry) call back to it.
- On failure the page's screenshot and HTML are saved under `$PYTEST_ARTIFACTS`
  (default `test-artifacts/`), and the folder is printed at the end of the run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Playwright's auto-waiting `expect` uses this timeout; generous for a 2-core CI machine.
EXPECT_TIMEOUT_MS = 15_000
ARTIFACTS_DIR = Path(os.environ.get("PYTEST_ARTIFACTS", "test-artifacts"))
_saved_artifacts: list[Path] = []


def pytest_collection_modifyitems(config, items):
    e2e_dir = Path(__file__).parent
    for item in items:
        if e2e_dir in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


def _browser_missing_reason() -> str | None:
    if not (os.path.isfile(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK)):
        return f"Chromium not found at {CHROMIUM_PATH} (install Debian's `chromium` or set CHROMIUM_PATH)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the `playwright` Python package is not installed"
    return None


def _require_browser() -> None:
    reason = _browser_missing_reason()
    if reason is None:
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def playwright_instance():
    """Playwright for one test module. Module-scoped so that its event loop and the environment
    switch below never outlive the browser tests (later tests, and subprocesses they start such
    as `check --deploy`, see a clean environment)."""
    _require_browser()
    # The Playwright sync API runs an asyncio loop in the main thread; Django would then refuse
    # ORM calls from the test body. The live server answers from its own thread, so it is safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    manager = sync_playwright().start()
    try:
        yield manager
    finally:
        manager.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def site_url(live_server, settings):
    """The live server's base URL, also used by the portal for callbacks and links, and by the
    built-in sandboxes (e-ID issuer, population registry, VNPay, MoMo) it talks to."""
    from django.core.cache import cache

    url = live_server.url
    settings.SITE_URL = url
    settings.ALLOWED_HOSTS = ["*"]
    settings.EID_ISSUER = f"{url}/sandbox/eid"
    settings.REGISTRY_URL = f"{url}/sandbox/registry"
    settings.VNPAY_PAYMENT_URL = f"{url}/sandbox/vnpay/paymentv2/vpcpay.html"
    settings.VNPAY_API_URL = f"{url}/sandbox/vnpay/merchant_webapi/api/transaction"
    settings.MOMO_ENDPOINT = f"{url}/sandbox/momo"
    # The journeys compute TOTP codes themselves: accept the neighbouring 30 s window so a code
    # computed just before a window ends is not refused a moment later (no sleeps, no flakes).
    settings.MFA_TOTP_TOLERANCE = 1
    cache.clear()  # rate-limit counters and cached OIDC discovery of earlier tests
    return url


class BrowserSession:
    """Opens contexts/pages for one test and remembers them for failure artifacts."""

    def __init__(self, browser, base_url: str, request):
        self.browser = browser
        self.base_url = base_url
        self.contexts = []
        self.request = request
        request.node._e2e_session = self

    def new_page(self, *, phone: bool = False, locale: str = "vi-VN"):
        options = {
            "base_url": self.base_url,
            "locale": locale,
            "timezone_id": "Asia/Ho_Chi_Minh",
            "accept_downloads": True,
        }
        if phone:
            options.update(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        else:
            options.update(viewport=DESKTOP)
        context = self.browser.new_context(**options)
        context.set_default_timeout(EXPECT_TIMEOUT_MS)
        self.contexts.append(context)
        return context.new_page()

    def login(self, page, user) -> None:
        """Log `user` in for the page's context without the login form (journeys about
        logging in use the real form)."""
        from django.test import Client

        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": self.base_url}])

    def pages(self):
        for context in self.contexts:
            yield from context.pages

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def browser_session(browser, site_url, transactional_db, request):
    session = BrowserSession(browser, site_url, request)
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def page(browser_session):
    """A desktop page (1280×800)."""
    return browser_session.new_page()


@pytest.fixture
def phone_page(browser_session):
    """A phone page (390×844, touch) for citizen journeys."""
    return browser_session.new_page(phone=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when not in ("setup", "call") or not report.failed:
        return
    session = getattr(item, "_e2e_session", None)
    if session is None:
        return
    folder = ARTIFACTS_DIR / re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)[:150]
    saved = []
    for index, pg in enumerate(session.pages()):
        if pg.is_closed():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        stem = folder / f"page{index}"
        try:
            pg.screenshot(path=str(stem.with_suffix(".png")), full_page=True)
            stem.with_suffix(".html").write_text(pg.content(), encoding="utf-8")
            (folder / f"page{index}.url.txt").write_text(pg.url + "\n", encoding="utf-8")
            saved.append(stem)
        except Exception as exc:  # a crashed page must not hide the real failure
            (folder / f"page{index}.error.txt").write_text(repr(exc), encoding="utf-8")
    if saved:
        _saved_artifacts.append(folder.resolve())
        report.sections.append(("browser artifacts", f"Screenshot and HTML saved in {folder.resolve()}"))


def pytest_terminal_summary(terminalreporter):
    if _saved_artifacts:
        terminalreporter.section("browser-test artifacts")
        terminalreporter.write_line(f"Screenshots and page HTML of failed browser tests: {ARTIFACTS_DIR.resolve()}")
        for folder in _saved_artifacts:
            terminalreporter.write_line(f"  {folder}")
