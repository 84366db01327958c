"""The back office in English: an official who switches the language to English sees the admin's
headings, column titles, labels, buttons and tabs in English wherever an English msgid exists,
not the Vietnamese translation left behind (the mirror of test_backoffice_language)."""

import html
import re
from pathlib import Path

import django
import polib
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from identity.models import User
from tests.support.mfa import staff_login

from .test_backoffice_language import OFFICIALS, _pages_of

pytestmark = pytest.mark.django_db

# The interface's key texts: page and section headings, table headings, form labels, buttons,
# breadcrumbs and tab links (their whole text, so that a procedure or agency name, which is data
# and stays Vietnamese, is never mistaken for a leftover).
KEY_ELEMENTS = re.compile(
    r"(?is)<(title|h1|h2|h3|h4|caption|th|label|button|legend|summary)\b[^>]*>(.*?)</\1>"
    r'|<a\b[^>]*class="[^"]*(?:button|section)[^"]*"[^>]*>(.*?)</a>'
    r'|<input[^>]*type="submit"[^>]*value="([^"]*)"'
)


def _catalog_entries():
    base = Path(__file__).resolve().parents[2]
    paths = [Path(django.__file__).parent / "contrib" / "admin" / "locale" / "vi" / "LC_MESSAGES" / "django.po"]
    paths += [base / "locale" / "vi" / "LC_MESSAGES" / "django.po"]
    paths += [
        base / app / "locale" / "vi" / "LC_MESSAGES" / "django.po"
        for app in ("catalog", "identity", "dossiers", "payments")
    ]
    for path in paths:
        if path.exists():
            yield from polib.pofile(str(path))


def _normal(text: str) -> str:
    return " ".join(text.split()).strip(" .:;!?…()*›»«“”\"'-—").casefold()


def _vietnamese_only() -> dict[str, str]:
    """{Vietnamese text: its English msgid} for every translated message whose two languages differ
    (placeholders left out: those never equal a whole heading)."""
    found = {}
    for entry in _catalog_entries():
        if not entry.msgstr or "%" in entry.msgid or "{" in entry.msgid or "fuzzy" in entry.flags:
            continue
        vi, en = _normal(entry.msgstr), _normal(entry.msgid)
        if vi and vi != en and re.search(r"[^\x00-\x7f]", entry.msgstr) and len(vi) >= 4:
            found.setdefault(vi, entry.msgid)
    return found


def _key_texts(body: str) -> list[str]:
    body = re.sub(r"(?is)<(script|style|template|textarea|select)\b.*?</\1>", " ", body)
    texts = []
    for match in KEY_ELEMENTS.finditer(body):
        inner = match.group(2) or match.group(3) or match.group(4) or ""
        inner = re.sub(r'(?is)<span class="(?:qt-count|cell-label)">.*?</span>', " ", inner)
        text = _normal(html.unescape(re.sub(r"(?s)<[^>]+>", " ", inner)))
        if text:
            texts.append(text)
            texts.extend(_normal(part) for part in text.split("|") if "|" in text)  # the <title>
    return texts


@pytest.fixture
def demo(settings):
    settings.LANGUAGE_CODE = "vi"
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_the_officials_pages_in_english_show_english_headings(client, demo):
    vietnamese = _vietnamese_only()
    assert "hồ sơ" in vietnamese or "mã hồ sơ" in vietnamese, "the catalogs were not read"
    leftovers, seen = [], 0
    for email in OFFICIALS:
        staff_login(client, User.objects.get(email=email))
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
        pages = _pages_of(client)
        assert len(pages) > 3, f"{email} reached only {list(pages)}"
        for url, body in pages.items():
            seen += 1
            assert '<html lang="en"' in body, f"{email} {url} is not in English"
            found = sorted({t for t in _key_texts(body) if t in vietnamese})
            if found:
                leftovers.append(f"{email} {url}: {[(t, vietnamese[t]) for t in found]}")
        # The queue's key headings, said in English.
        queue = client.get("/admin/dossiers/dossier/").content.decode()
        if "queue-tabs" in queue:
            assert "Dossier queue" in queue and ">Mine<" in queue.replace("<span", "<").replace("</a>", "<")
        client.logout()
        client.cookies.pop(django_settings.LANGUAGE_COOKIE_NAME, None)
    assert seen > 20
    assert not leftovers, "Vietnamese left on English pages:\n" + "\n".join(leftovers)
