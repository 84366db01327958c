import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Agency
from identity.roles import INTAKE, LEADER, PROCESSING

from .factories import PDF_BYTES, AgencyFactory, CitizenFactory, official, version


@pytest.fixture(autouse=True)
def _no_pdf_rendering(settings, monkeypatch, request):
    """Rendering PDFs is slow: tests that do not look at them get a stub; use the `real_pdf` fixture to render."""
    if "real_pdf" in request.fixturenames:
        return
    import dossiers.issued_pdfs as issued_pdfs

    monkeypatch.setattr(issued_pdfs, "pdf_render", lambda *, template_name, context: PDF_BYTES)


@pytest.fixture
def real_pdf():
    """Render PDFs for real (WeasyPrint) in this test."""


@pytest.fixture
def agency(db) -> Agency:
    return AgencyFactory(code="000.00.31.H57", name="UBND phường Long Châu")


@pytest.fixture
def other_agency(db) -> Agency:
    return AgencyFactory(code="000.00.32.H57", name="UBND phường Phước Hậu")


@pytest.fixture
def pv(agency):
    return version(agencies=[agency])


@pytest.fixture
def citizen(db):
    return CitizenFactory()


@pytest.fixture
def other_citizen(db):
    return CitizenFactory(full_name="Lê Văn Tám")


@pytest.fixture
def intake(agency):
    return official(agency, INTAKE)


@pytest.fixture
def processor(agency):
    return official(agency, PROCESSING)


@pytest.fixture
def leader(agency):
    return official(agency, LEADER)


@pytest.fixture
def other_intake(other_agency):
    return official(other_agency, INTAKE, PROCESSING)


def pdf_upload(name="to-khai.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@pytest.fixture
def submitted(pv, citizen):
    from dossiers import services

    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    services.dossier_draft_update(dossier=draft, by=citizen, form_data={"reason": "Kết hôn"})
    services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=pdf_upload())
    return services.dossier_submit(dossier=draft, by=citizen)


@pytest.fixture
def received(submitted, intake):
    from dossiers import services

    return services.dossier_receive(dossier=submitted, by=intake)


class Clock:
    """A fixed clock (django.utils.timezone.now) a test sets and moves: the portal's code, the
    models' auto_now fields and the PDF renderer all read the time through it."""

    def __init__(self, monkeypatch):
        import django.utils.timezone as tz

        self.now = tz.now()
        monkeypatch.setattr(tz, "now", lambda: self.now)

    def set(self, moment):
        self.now = moment


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)
