from pathlib import Path

import polib
import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_home_page_is_vietnamese_by_default_even_for_english_browsers(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="vi">' in html
    assert "Chuyển đến nội dung chính" in html
    assert "Tìm kiếm" in html
    assert "Skip to main content" not in html


def test_language_switch_posts_to_setlang_and_english_works(client):
    html = client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert '<select id="lang-select" name="language">' in html
    assert '<option value="en" lang="en" title="English">EN</option>' in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    english = client.get("/").content.decode()
    assert '<html lang="en">' in english
    assert "Skip to main content" in english
    assert "Chuyển đến nội dung chính" not in english
    assert '<option value="vi" lang="vi"' in english
    assert '<option value="en" lang="en" title="English" selected>' in english
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert '<html lang="vi">' in client.get("/").content.decode()


def test_setlang_refuses_an_offsite_next(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example.com/"})
    assert response["Location"] == "/"


def test_error_pages_are_translated(client):
    html = client.get("/khong-ton-tai-trang-nay/").content.decode()
    assert "Không tìm thấy trang" in html


def test_project_catalog_is_complete():
    po = polib.pofile(str(BASE_DIR / "locale" / "vi" / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []
    mo = polib.mofile(str(BASE_DIR / "locale" / "vi" / "LC_MESSAGES" / "django.mo"))
    compiled = {e.msgid: e.msgstr for e in mo}
    assert all(compiled.get(e.msgid) == e.msgstr for e in po if not e.msgid_plural), "django.mo is out of date"
