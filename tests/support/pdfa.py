"""Archival checks of an issued PDF: Apache PDFBox Preflight (a PDF/A validator, Debian package
libpdfbox2-java) and structural checks with pypdf, pdfinfo and pdffonts (poppler-utils).

Preflight implements ISO 19005-1 (PDF/A-1b) only; the portal writes PDF/A-3b. Its findings are
all failures except the PDF/A-1 rules that ISO 19005-2/3 dropped (PDF_A1_ONLY below, each with
where that was checked); anything else it reports fails the test. veraPDF, the reference
validator for PDF/A-2/3, is not installable here (docs/signing.md, "PDF quality")."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

JAVA_DIR = Path("/usr/share/java")
# Debian: libpdfbox2-java (preflight, pdfbox2, xmpbox, fontbox2, commons-logging) plus the
# javax.activation and JAXB API jars Preflight needs on Java 11+ (libactivation-java,
# libjaxb-api-java).
PREFLIGHT_JARS = [
    "preflight.jar",
    "pdfbox2.jar",
    "xmpbox.jar",
    "fontbox2.jar",
    "commons-logging.jar",
    "javax.activation.jar",
    "jaxb-api.jar",
]
DEBIAN_PACKAGES = "libpdfbox2-java libactivation-java libjaxb-api-java default-jre-headless"

# (Preflight error code, words of its message): PDF/A-1 requirements that PDF/A-2 and -3 lifted.
PDF_A1_ONLY = [
    # PDF/A-1 is based on PDF 1.4, which has no cross-reference streams; PDF/A-2/3 are based on
    # ISO 32000-1 (PDF 1.7), which has them.
    ("1.4", "/XRef cross reference streams are not allowed"),
    # PDF/A-1 requires a CIDSet for subset CID fonts; PDF/A-2/3 only require a CIDSet, *if
    # present*, to list every glyph (veraPDF rule 6.2.11.4-4, ISO 19005-2/3).
    ("3.1.11", "The CIDSet entry is missing for the Composite Subset"),
    # PDF/A-1 6.7.2 forbids a Filter on the XMP stream (veraPDF rule 6.7.2-2, ISO 19005-1 only);
    # the PDF/A-2b metadata rules 6.6.2.1 have no such test.
    ("1.2.7", "Filter specified in metadata dictionary"),
]


def preflight_missing() -> str:
    if not shutil.which("java"):
        return "needs Java (apt-get install default-jre-headless)"
    absent = [jar for jar in PREFLIGHT_JARS if not (JAVA_DIR / jar).is_file()]
    if absent:
        return f"needs Apache PDFBox Preflight (apt-get install {DEBIAN_PACKAGES}); missing {', '.join(absent)}"
    return ""


def preflight(data: bytes) -> list[tuple[str, str]]:
    """Every (code, message) Preflight reports for `data` (empty: a valid PDF/A-1b file)."""
    classpath = ":".join(str(JAVA_DIR / jar) for jar in PREFLIGHT_JARS)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "document.pdf"
        path.write_bytes(data)
        out = subprocess.run(
            ["java", "-cp", classpath, "org.apache.pdfbox.preflight.Validator_A1b", str(path)],
            capture_output=True,
            text=True,
            timeout=180,
            env={**os.environ, "JAVA_TOOL_OPTIONS": "-Xmx256m"},
        )
    text = out.stdout + out.stderr
    if "is a valid PDF/A-1b file" in text:
        return []
    if "is not a valid PDF/A-1b file" not in text:
        raise AssertionError(f"Preflight did not run: {text[-2000:]}")
    return [(m.group(1), m.group(2).strip()) for m in re.finditer(r"^(\d+(?:\.\d+)*) : (.+)$", text, re.M)]


def pdfa2_violations(data: bytes) -> list[tuple[str, str]]:
    """Preflight's findings less the PDF/A-1-only ones: must be empty for PDF/A-2/3."""
    return [
        (code, message)
        for code, message in preflight(data)
        if not any(code == c and words in message for c, words in PDF_A1_ONLY)
    ]


def _walk(obj, seen: set, found: list):
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    if isinstance(obj, IndirectObject):
        key = (obj.idnum, obj.generation)
        if key in seen:
            return
        seen.add(key)
        obj = obj.get_object()
    if isinstance(obj, DictionaryObject):
        if "/JS" in obj or obj.get("/S") == "/JavaScript" or "/JavaScript" in obj:
            found.append("JavaScript")
        if obj.get("/S") in ("/Launch", "/ImportData", "/SubmitForm"):
            found.append(f"action {obj.get('/S')}")
        for key, value in obj.items():
            if key not in ("/Parent", "/P"):
                _walk(value, seen, found)
    elif isinstance(obj, ArrayObject):
        for value in obj:
            _walk(value, seen, found)


def archival_problems(data: bytes, *, site_name: str) -> list[str]:
    """What keeps `data` from being the archival, tagged PDF the portal promises (empty: none)."""
    from pypdf import PdfReader

    problems = []
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted or "/Encrypt" in reader.trailer:
        problems.append("encrypted")
    root = reader.trailer["/Root"].get_object()

    metadata = root.get("/Metadata")
    xmp = metadata.get_object().get_data().decode("utf-8", "replace") if metadata is not None else ""
    part = re.search(r"pdfaid:part(?:>|=\")\s*(\d)", xmp)
    conformance = re.search(r"pdfaid:conformance(?:>|=\")\s*([ABU])", xmp)
    if not (part and part.group(1) == "3" and conformance and conformance.group(1) == "B"):
        problems.append("XMP does not identify PDF/A-3b (pdfaid:part/conformance)")

    intents = root.get("/OutputIntents")
    intents = [i.get_object() for i in intents.get_object()] if intents is not None else []
    if not any(i.get("/S") == "/GTS_PDFA1" and i.get("/DestOutputProfile") is not None for i in intents):
        problems.append("no PDF/A OutputIntent with an ICC profile")

    if root.get("/StructTreeRoot") is None:
        problems.append("not tagged (no StructTreeRoot)")
    mark = root.get("/MarkInfo")
    if mark is None or not mark.get_object().get("/Marked"):
        problems.append("MarkInfo /Marked is not true")
    if not str(root.get("/Lang", "")).startswith("vi"):
        problems.append(f"/Lang is {root.get('/Lang')!r}, not Vietnamese")

    title = str((reader.metadata or {}).get("/Title", "") or "").strip()
    if not title or title == site_name:
        problems.append(f"no real document title ({title!r})")
    dc_title = re.search(r"<dc:title>.*?<rdf:li[^>]*>(.*?)</rdf:li>", xmp, re.S)
    if not dc_title or not dc_title.group(1).strip():
        problems.append("XMP has no dc:title")

    found: list = []
    _walk(reader.trailer["/Root"], set(), found)
    problems += sorted(set(found))

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "document.pdf"
        path.write_bytes(data)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, timeout=60).stdout
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, timeout=60).stdout
    rows = fonts.splitlines()[2:]
    if not rows:
        problems.append("pdffonts lists no font")
    for row in rows:
        # columns: name type encoding emb sub uni object ID; "emb" is the 4th field from the end
        # of the fixed part: split from the right (names have no spaces, types may)
        fields = row.split()
        if len(fields) < 7 or fields[-5] != "yes":
            problems.append(f"font not embedded: {row.strip()}")
    if "Tagged:          yes" not in info:
        problems.append("pdfinfo: not tagged")
    if "Encrypted:       no" not in info:
        problems.append("pdfinfo: encrypted")
    return problems
