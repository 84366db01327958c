"""Admin for cashiers: scoped list with totals, read-only rows, daily report CSV."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.utils import timezone

from payments import services
from payments.models import Payment
from tests.catalog.factories import AgencyFactory
from tests.identity.factories import official

from .factories import FeeDossierFactory

pytestmark = pytest.mark.django_db


def _request(user, path="/admin/payments/payment/", **get):
    request = RequestFactory().get(path, get)
    request.user = user
    request.session = {}
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)
    return request


def _paid(agency):
    d = FeeDossierFactory(agency=agency)
    services.fees_create_for_dossier(dossier=d)
    return services.counter_payment_record(dossier=d, cashier=official(agency, "cashier"), method="cash")


def test_cashier_sees_own_agency_payments_with_totals_read_only():
    agency, other = AgencyFactory(), AgencyFactory()
    mine, theirs = _paid(agency), _paid(other)
    cashier = official(agency, "cashier")
    model_admin = site._registry[Payment]
    assert list(model_admin.get_queryset(_request(cashier))) == [mine]
    assert not model_admin.has_change_permission(_request(cashier), mine)
    assert not model_admin.has_view_permission(_request(cashier), theirs)
    response = model_admin.changelist_view(_request(cashier))
    assert response.context_data["totals"]["paid_total"] == mine.amount
    response.render()
    assert "135.000" in response.content.decode()


def test_daily_report_csv():
    agency = AgencyFactory()
    _paid(agency)
    cashier = official(agency, "cashier")
    model_admin = site._registry[Payment]
    day = timezone.localdate().isoformat()
    response = model_admin.report_view(_request(cashier, format="csv", day=day))
    text = response.content.decode("utf-8-sig")
    header, row = text.strip().splitlines()
    assert header.startswith("day,agency_code")
    assert row.startswith(f"{day},{agency.code},") and ",counter,1,135000,1,135000,0," in row
    html = model_admin.report_view(_request(cashier, day=day))
    html.render()
    assert agency.name in html.content.decode()
