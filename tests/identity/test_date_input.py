"""Dates are typed day first in Vietnam: 01/12/2026 is 1 December 2026, in the portal's forms
and in the admin (it used to be read as 12 January)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from identity.forms import PersonalDocumentForm
from identity.models import SandboxResident
from tests.support.world import PDF_BYTES

from .conftest import admin_client
from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_form_reads_dd_mm_yyyy(language):
    data = {"doc_type": "cccd", "title": "CCCD", "issued_on": "01/12/2026", "expires_on": "2041-12-01"}
    with translation.override(language):
        form = PersonalDocumentForm(data, {"upload": SimpleUploadedFile("cccd.pdf", PDF_BYTES)})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["issued_on"] == dt.date(2026, 12, 1)
    assert form.cleaned_data["expires_on"] == dt.date(2041, 12, 1)  # ISO, as <input type="date"> sends


def test_the_admin_reads_dd_mm_yyyy(client):
    admin_client(client, UserFactory(is_staff=True, is_superuser=True))
    page = client.get("/admin/identity/sandboxresident/add/")
    assert page.status_code == 200
    response = client.post(
        "/admin/identity/sandboxresident/add/",
        {
            "personal_id": "086192000777",
            "full_name": "Võ Thị Ngày",
            "date_of_birth": "01/12/1992",
            "sex": "F",
            "ward": "",
            "address_line": "",
            "phone": "",
            "eid_level": "2",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    resident = SandboxResident.objects.get(personal_id="086192000777")
    assert resident.date_of_birth == dt.date(1992, 12, 1)
    page = client.get(f"/admin/identity/sandboxresident/{resident.pk}/change/").content.decode()
    assert 'value="1992-12-01"' in page  # shown in ISO: never ambiguous
