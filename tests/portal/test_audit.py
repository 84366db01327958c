"""Who reads the audit trail: portal keeps the rows, identity decides the scope (a hook)."""

import pytest

from identity import roles
from identity.selectors import audit_events_visible_to as identity_scope
from portal import audit
from tests.catalog.factories import AgencyFactory
from tests.identity.factories import CitizenFactory, UserFactory, official

pytestmark = pytest.mark.django_db


def _rows():
    citizen = CitizenFactory()
    mine, other = AgencyFactory(), AgencyFactory()
    intake_mine, intake_other = official(mine, roles.INTAKE), official(other, roles.INTAKE)
    seen = audit.audit_record(actor=intake_mine, subject=citizen, action=audit.AuditAction.VIEW, obj=citizen)
    audit.audit_record(actor=intake_other, subject=citizen, action=audit.AuditAction.VIEW, obj=citizen)
    return mine, seen


def test_identity_scopes_the_trail_an_auditor_reads_to_their_agencys_officials():
    assert audit.audit_scopes == [identity_scope]
    agency, seen = _rows()
    auditor = official(agency, roles.AUDITOR)
    assert list(audit.audit_events_visible_to(auditor)) == [seen]


def test_without_a_registered_scope_only_superusers_read_the_trail(monkeypatch):
    monkeypatch.setattr(audit, "audit_scopes", [])
    agency, _seen = _rows()
    assert not audit.audit_events_visible_to(official(agency, roles.AUDITOR)).exists()
    assert audit.audit_events_visible_to(UserFactory(is_superuser=True, is_staff=True)).count() == 2
