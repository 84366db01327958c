import io

import pytest

from catalog import demo
from catalog.models import Agency, Field, Procedure, ProcedureVersion
from catalog.selectors import version_search
from portal.admin_units import admin_units_load

pytestmark = pytest.mark.django_db


def counts():
    return (
        Field.objects.count(),
        Agency.objects.count(),
        Procedure.objects.count(),
        ProcedureVersion.objects.count(),
        ProcedureVersion.objects.filter(status="published").count(),
    )


def test_seed_is_idempotent_and_realistic(monkeypatch):
    monkeypatch.setattr(demo, "_blank_forms", lambda data: 0)  # PDF rendering is tested by portal
    admin_units_load()
    out = io.StringIO()
    accounts = demo.seed(password="demo-portal-2026", stdout=out)
    first = counts()
    accounts_again = demo.seed(password="demo-portal-2026", stdout=out)
    assert counts() == first
    assert accounts == accounts_again
    fields, agencies, procedures, versions, published = first
    assert fields >= 8 and agencies >= 10 and procedures >= 30 and published == procedures == versions
    assert Agency.objects.filter(level="province").count() >= 8
    assert Agency.objects.filter(level="commune", ward__province_id=86).count() >= 4
    assert version_search(q="khai sinh")[0].code == "1.001193"
    assert ProcedureVersion.objects.filter(snapshot__is_bundle=True).count() == 2
    bundle = ProcedureVersion.objects.get(code="1.012850")
    assert len({p["agency"]["code"] for p in bundle.snapshot["bundle_parts"]}) == 3
    judicial = ProcedureVersion.objects.get(code="2.000488")
    assert judicial.total_fee == 200000 and judicial.snapshot["min_eid_level"] == 2
    assert ProcedureVersion.objects.filter(total_fee=0).count() >= 5
    assert accounts == []  # the catalog's demo staff are made by identity's demo (tests/identity/test_demo.py)
