"""PDF rendering shared by every app: Django template -> WeasyPrint PDF with embedded Noto
fonts (Vietnamese glyphs), no network access, plus QR codes as data URIs.

`pdf_render(template_name=..., context=...)` and `qr_data_uri(url)` are public interfaces.
"""

import atexit
import logging
import mimetypes
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation

logger = logging.getLogger(__name__)

# WeasyPrint is imported lazily: importing it loads Pango, which a web worker that never
# renders a PDF should not pay for. The FontConfiguration (fonts loaded once, the expensive
# part) is cached per thread: WeasyPrint does not promise that one may be shared by threads
# rendering at the same time (gunicorn --threads, threaded Celery pools).
_local = threading.local()
_states: list = []
_lock = threading.Lock()

FONT_FACES = [
    # (family, file, weight, style)
    ("Noto Sans", "NotoSans-Regular.ttf", "normal", "normal"),
    ("Noto Sans", "NotoSans-Bold.ttf", "bold", "normal"),
    ("Noto Sans", "NotoSans-Italic.ttf", "normal", "italic"),
    ("Noto Serif", "NotoSerif-Regular.ttf", "normal", "normal"),
    ("Noto Serif", "NotoSerif-Bold.ttf", "bold", "normal"),
    ("Noto Serif", "NotoSerif-Italic.ttf", "normal", "italic"),
]


class PdfResourceError(Exception):
    """A PDF template referred to something outside the local static files."""


def _font_dir() -> Path:
    return Path(settings.PDF_FONT_DIR)


def _static_roots() -> list[Path]:
    roots = [Path(p) for p in settings.STATICFILES_DIRS]
    roots.append(Path(settings.STATIC_ROOT))
    roots.append(_font_dir())
    return [r.resolve() for r in roots]


def _resolve_local(url: str) -> Path | None:
    """Map a file:// URL or a /static/... URL to a file inside the static roots, else None."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        path = Path(unquote(parsed.path)).resolve()
        if any(path == root or root in path.parents for root in _static_roots()) and path.is_file():
            return path
        return None
    static_prefix = settings.STATIC_URL
    if parsed.path.startswith(static_prefix):
        found = finders.find(unquote(parsed.path[len(static_prefix) :]))
        if found:
            return Path(found)
        candidate = (Path(settings.STATIC_ROOT) / unquote(parsed.path[len(static_prefix) :])).resolve()
        if Path(settings.STATIC_ROOT).resolve() in candidate.parents and candidate.is_file():
            return candidate
    return None


def _make_url_fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalStaticURLFetcher(URLFetcher):
        """Serves data: URIs and files under the static roots; refuses everything else (no network)."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = _resolve_local(url)
            if path is None:
                raise PdfResourceError(f"PDF resource outside the static files refused: {url[:200]}")
            mime_type, _encoding = mimetypes.guess_type(path.name)
            return URLFetcherResponse(
                path.as_uri(), path.read_bytes(), {"Content-Type": mime_type or "application/octet-stream"}
            )

    return LocalStaticURLFetcher(allowed_protocols=("data", "file", "http", "https"), allow_redirects=False)


def _fonts():
    """(FontConfiguration, @font-face stylesheet, URL fetcher) of this thread, built on first use."""
    state = getattr(_local, "state", None)
    if state is None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        fetcher = _make_url_fetcher()
        config = FontConfiguration()
        rules = []
        for family, filename, weight, style in FONT_FACES:
            uri = (_font_dir() / filename).resolve().as_uri()
            rules.append(
                f'@font-face {{ font-family: "{family}"; src: url("{uri}"); '
                f"font-weight: {weight}; font-style: {style}; }}"
            )
        # PDF/A (ISO 19005-2/3, 6.2.8) forbids /Interpolate true on images, which WeasyPrint
        # writes for the default image-rendering: auto. Crisp edges also suit the QR codes.
        rules.append("img { image-rendering: crisp-edges; }")
        css = CSS(string="\n".join(rules), font_config=config, url_fetcher=fetcher)
        state = _local.state = (config, css, fetcher)
        with _lock:
            _states.append(state)
    return state


@atexit.register
def _release_fonts() -> None:
    # Drop the FontConfigurations while their libraries are still loaded (avoids noise at exit).
    with _lock:
        _states.clear()
    _local.__dict__.clear()


def pdf_render(*, template_name: str, context: dict, language: str | None = None) -> bytes:
    """Render a Django template (usually extending pdf/base.html) to PDF bytes.

    Administrative documents are Vietnamese whatever language the requester browses in, so the
    template is rendered in `language` (default: settings.LANGUAGE_CODE), not the active one.
    """
    from weasyprint import HTML

    font_config, font_css, url_fetcher = _fonts()
    full_context = {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "PORTAL_OWNER": settings.PORTAL_OWNER,
        "SITE_URL": settings.SITE_URL,
        "generated_at": timezone.localtime(),
        **context,
    }
    with translation.override(language or settings.LANGUAGE_CODE):
        html = render_to_string(template_name, full_context)
    document = HTML(string=html, base_url=_font_dir().resolve().as_uri() + "/", url_fetcher=url_fetcher)
    # PDF/A-3b (archival) and tagged (structure tree, /Lang, /MarkInfo: screen readers). One
    # variant only: WeasyPrint's pdf/ua-1 cannot be combined with pdf/a; tagging is what matters.
    return document.write_pdf(
        stylesheets=[font_css],
        font_config=font_config,
        uncompressed_pdf=False,
        pdf_variant=settings.PDF_VARIANT or None,
        pdf_tags=True,
    )


def qr_data_uri(url: str) -> str:
    """A QR code for `url` as a PNG data URI, for <img src> in PDFs and pages.

    PNG, not SVG: WeasyPrint embeds a bitmap as is but parses and draws an SVG path by path
    (bench/FINDINGS.md 6). Scale 8 keeps the modules sharp at the 26 mm of the PDF layout."""
    qr = segno.make(url, error="m", micro=False)
    return qr.png_data_uri(scale=8, border=2, dark="#000", light="#fff")
