"""catalog.selectors: the agencies under an official's agency."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Agency
from catalog.selectors import agency_descendant_ids
from tests.catalog.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def _tree():
    province = AgencyFactory(level=Agency.Level.PROVINCE)
    department = AgencyFactory(level=Agency.Level.PROVINCE, parent=province)
    office = AgencyFactory(level=Agency.Level.PROVINCE, parent=department)
    commune = AgencyFactory(parent=office)
    other = AgencyFactory(level=Agency.Level.PROVINCE)
    return province, department, office, commune, other


def test_every_level_under_the_agencies_is_found_in_one_statement():
    province, department, office, commune, other = _tree()

    with CaptureQueriesContext(connection) as statements:
        found = agency_descendant_ids(ids=[province.pk])

    assert found == {department.pk, office.pk, commune.pk}
    assert len(statements) == 1
    assert agency_descendant_ids(ids=[office.pk, other.pk]) == {commune.pk}
    assert agency_descendant_ids(ids=[commune.pk]) == set()
    assert agency_descendant_ids(ids=[]) == set()


def test_an_agency_moved_under_another_counts_at_once():
    province, department, office, commune, other = _tree()

    Agency.objects.filter(pk=office.pk).update(parent=other)

    assert agency_descendant_ids(ids=[province.pk]) == {department.pk}
    assert agency_descendant_ids(ids=[other.pk]) == {office.pk, commune.pk}


def test_a_loop_in_the_parent_links_ends():
    province, department, office, commune, _other = _tree()
    Agency.objects.filter(pk=province.pk).update(parent=commune)

    assert agency_descendant_ids(ids=[province.pk]) == {department.pk, office.pk, commune.pk}
