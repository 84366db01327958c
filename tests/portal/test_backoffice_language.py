"""The back office speaks Vietnamese: every admin page of the demo, as each demo official sees it,
carries no English text of Django's admin catalog nor of the portal's own catalogs; the admin is
branded with the portal's name and its apps grouped as officials think of them."""

import html
import re
from pathlib import Path

import django
import polib
import pytest
from django.core.management import call_command

from identity.models import User
from tests.support.mfa import staff_login

pytestmark = pytest.mark.django_db

OFFICIALS = [
    "intake@example.vn",
    "processing@example.vn",
    "leader@example.vn",
    "editor@example.vn",
    "publisher@example.vn",
]
# Words spelled the same in both languages (or names of things), never a sign of a leftover.
SAME_IN_BOTH = {"Email", "email", "URL", "VNPay", "MoMo", "TOTP", "JSON", "CSV", "Django", "Logo", "Token"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|\{\{[^}]*\}\}|<[^>]+>|&\w+;")


def _fragments(msgid: str) -> list[str]:
    """The pieces of a msgid that reach the page as they are (placeholders and tags cut out)."""
    parts = [p.strip(" .,:;!?…()“”\"'-—\n") for p in PLACEHOLDER.split(msgid)]
    keep = []
    for part in parts:
        words = re.findall(r"[A-Za-z]+", part)
        if not words or part in SAME_IN_BOTH:
            continue
        if len(words) >= 2 or (len(words) == 1 and len(part) >= 4 and part.isalpha()):
            keep.append(part)
    return keep


def _english_texts() -> set[str]:
    """English texts of Django admin's catalog and of the portal's catalogs whose Vietnamese differs."""
    root = Path(django.__file__).parent / "contrib" / "admin" / "locale" / "en" / "LC_MESSAGES" / "django.po"
    msgids = [entry.msgid for entry in polib.pofile(str(root))]
    msgids += [entry.msgid_plural for entry in polib.pofile(str(root)) if entry.msgid_plural]
    base = Path(__file__).resolve().parents[2]
    for po in [base / "locale", *(base / app / "locale" for app in ("catalog", "identity", "dossiers", "payments"))]:
        path = po / "vi" / "LC_MESSAGES" / "django.po"
        if path.exists():
            msgids += [e.msgid for e in polib.pofile(str(path)) if e.msgstr and e.msgstr != e.msgid]
    texts = set()
    for msgid in msgids:
        texts.update(_fragments(msgid))
    return texts


def _visible_text(body: str) -> str:
    body = re.sub(r"(?is)<(script|style|template)\b.*?</\1>", " ", body)
    # What people typed is data, not the interface: English labels of e-form fields, English names.
    body = re.sub(r"(?is)<textarea\b.*?</textarea>", " ", body)
    body = re.sub(r'(?is)<(td|div)[^>]*class="[^"]*name_en[^"]*"[^>]*>.*?</\1>', " ", body)
    attributes = " ".join(re.findall(r'(?:title|aria-label|placeholder|alt)="([^"]*)"', body))
    buttons = " ".join(re.findall(r'<input[^>]*type="submit"[^>]*value="([^"]*)"', body))
    text = re.sub(r"(?s)<[^>]+>", " ", body)
    return html.unescape(f"{text} {attributes} {buttons}")


def _links(body: str, pattern: str) -> list[str]:
    return sorted(set(re.findall(pattern, body)))


@pytest.fixture
def demo(settings):
    settings.LANGUAGE_CODE = "vi"
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def _the_back_office_carries_the_portal_name_and_groups_apps_as_officials_work(client, settings):
    staff_login(client, User.objects.get(email="admin@example.vn"))
    body = client.get("/admin/").content.decode()
    assert f"<title>Trang quản trị nghiệp vụ | {settings.PORTAL_NAME}</title>" in body
    assert "emblem.svg" in body and settings.PORTAL_NAME in body
    assert "Django" not in _visible_text(body)
    headings = re.findall(r'<caption>\s*<a[^>]*class="section"[^>]*>([^<]+)</a>', body)
    assert headings == ["Hồ sơ", "Thanh toán", "Danh mục thủ tục", "Người dùng và phân quyền", "Hệ thống"]


def _the_selector_widget_script_speaks_vietnamese(client):
    """filter_horizontal's texts come from the admin's JavaScript catalog, which includes the
    portal's own djangojs.po."""
    staff_login(client, User.objects.get(email="editor@example.vn"))
    catalog = client.get("/admin/jsi18n/").content.decode("utf-8")
    assert "Ch\\u1ecdn t\\u1ea5t c\\u1ea3 %s" in catalog or "Chọn tất cả %s" in catalog
    assert "Choose %s by selecting them" in catalog  # the msgid key, with its translation next to it
    assert "B\\u1ecf t\\u1ea5t c\\u1ea3 %s" in catalog or "Bỏ tất cả %s" in catalog


def _pages_of(client) -> dict[str, str]:
    """Every admin page an official reaches from the index: changelists, add forms, the first
    object of each list."""
    pages = {}
    index = client.get("/admin/")
    assert index.status_code == 200
    pages["/admin/"] = index.content.decode()
    for url in _links(pages["/admin/"], r'href="(/admin/[\w-]+/[\w-]+/(?:add/)?)"'):
        response = client.get(url)
        if response.status_code != 200:
            continue
        body = response.content.decode()
        pages[url] = body
        if url.endswith("/add/"):
            continue
        for change in _links(body, r'href="(' + re.escape(url) + r'\d+/change/[^"]*)"')[:2]:
            detail = client.get(html.unescape(change))
            if detail.status_code == 200:
                pages[change] = detail.content.decode()
    return pages


def test_no_english_is_left_on_the_officials_pages(client, demo, settings):
    """One test (the demo is seeded once): branding and grouping, the JS catalog, then every page."""
    _the_back_office_carries_the_portal_name_and_groups_apps_as_officials_work(client, settings)
    _the_selector_widget_script_speaks_vietnamese(client)
    english = _english_texts()
    assert "Please correct the error below" in english and "Django administration" in english
    leftovers = []
    seen = 0
    for email in OFFICIALS:
        user = User.objects.get(email=email)
        staff_login(client, user)
        pages = _pages_of(client)
        assert len(pages) > 3, f"{email} reached only {list(pages)}"
        for url, body in pages.items():
            seen += 1
            text = _visible_text(body)
            found = sorted(t for t in english if re.search(r"(?<![\w-])" + re.escape(t) + r"(?![\w-])", text))
            if found:
                leftovers.append(f"{email} {url}: {found}")
        client.logout()
    assert seen > 20
    assert not leftovers, "English left on Vietnamese pages:\n" + "\n".join(leftovers)
