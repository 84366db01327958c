"""What every official's request reads about them (identity.selectors, identity.backends): roles
and permissions in one statement, the official's agency with its profile in one, and the
agencies under it in one; answers as Django's own backend gives them."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.models import Agency
from identity import roles
from identity.models import OfficialProfile, User
from identity.selectors import official_agency, official_agency_ids, user_roles
from tests.catalog.factories import AgencyFactory
from tests.identity.factories import UserFactory, official

pytestmark = pytest.mark.django_db


def _fresh(user):
    return User.objects.get(pk=user.pk)  # a request's user: nothing cached yet


def test_roles_and_permissions_are_read_together_and_match_djangos_answer():
    agency = AgencyFactory()
    user = official(agency, roles.INTAKE, roles.CASHIER)
    own = Permission.objects.get(content_type__app_label="services", codename="view_agency")
    user.user_permissions.add(own)
    Group.objects.create(name="no-permissions-yet").user_set.add(user)
    user = _fresh(user)

    with CaptureQueriesContext(connection) as statements:
        found_roles = user_roles(user)
        everything = user.get_all_permissions()
        mine = user.get_user_permissions()
        of_groups = user.get_group_permissions()
        assert user.has_perm("identity.change_user") and user.has_perm("services.view_agency")
        assert not user.has_perm("services.delete_agency")

    assert len(statements) == 1
    assert found_roles == {roles.INTAKE, roles.CASHIER, "no-permissions-yet"}
    assert mine == {"services.view_agency"}
    expected_groups = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.filter(group__user=user).values_list(
            "content_type__app_label", "codename"
        )
    }
    assert "identity.change_user" in expected_groups
    assert of_groups == expected_groups
    assert everything == mine | of_groups


def test_a_user_whose_groups_change_is_answered_afresh():
    agency = AgencyFactory()
    user = _fresh(official(agency, roles.VOLUNTEER))
    assert user_roles(user) == {roles.VOLUNTEER}
    assert not user.has_perm("identity.change_user")

    user.groups.add(Group.objects.get(name=roles.INTAKE))

    assert user_roles(user) == {roles.VOLUNTEER, roles.INTAKE}
    assert user.has_perm("identity.change_user")


def test_inactive_users_and_superusers_keep_djangos_permissions():
    agency = AgencyFactory()
    closed = official(agency, roles.INTAKE)
    closed.is_active = False
    closed.save()
    closed = _fresh(closed)
    assert closed.get_all_permissions() == set() and not closed.has_perm("identity.change_user")
    assert user_roles(closed) == {roles.INTAKE}

    root = _fresh(UserFactory(is_superuser=True, is_staff=True))
    assert root.get_all_permissions() == {
        f"{app}.{codename}" for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    assert user_roles(root) == set()


def test_the_officials_agency_and_its_profile_in_one_statement():
    parent = AgencyFactory(level=Agency.Level.PROVINCE)
    child = AgencyFactory(parent=parent)
    user = _fresh(official(parent, roles.LEADER))

    with CaptureQueriesContext(connection) as statements:
        assert official_agency(user) == parent
        assert user.official_profile.agency == parent and user.official_profile.user is user
        assert user.is_official
    assert len(statements) == 1
    assert official_agency_ids(user) == {parent.pk, child.pk}

    citizen = _fresh(UserFactory())
    assert official_agency(citizen) is None
    assert not citizen.is_official
    with pytest.raises(OfficialProfile.DoesNotExist):
        citizen.official_profile


def test_an_agency_moved_under_the_officials_counts_on_the_next_request():
    province = AgencyFactory(level=Agency.Level.PROVINCE)
    elsewhere = AgencyFactory(level=Agency.Level.PROVINCE)
    commune = AgencyFactory(parent=elsewhere)
    user = official(province, roles.LEADER)
    assert official_agency_ids(_fresh(user)) == {province.pk}

    commune.parent = province
    commune.save()

    assert official_agency_ids(_fresh(user)) == {province.pk, commune.pk}


def test_an_officials_page_reads_the_session_from_the_cache_and_the_access_once(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "StaffTwoFactor" not in m]
    agency = AgencyFactory()
    user = official(agency, roles.INTAKE)
    client = Client()
    client.force_login(user)
    assert client.get("/admin/").status_code == 200

    with CaptureQueriesContext(connection) as statements:
        client.get("/admin/")

    sql = [q["sql"] for q in statements.captured_queries]
    assert not [s for s in sql if "django_session" in s]
    assert len([s for s in sql if "auth_permission" in s or "auth_group" in s]) == 1
