"""The official role groups: each app declares the permissions of its own models for the roles,
roles_sync() gives every group exactly what the apps declare."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from identity import roles

pytestmark = pytest.mark.django_db


def _group_perms(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_each_role_group_holds_the_permissions_of_every_app_that_declares_them():
    roles.roles_sync()
    assert {g.name for g in Group.objects.all()} >= set(roles.ROLE_LABELS)
    assert _group_perms(roles.INTAKE) == {
        "identity.view_user",
        "identity.change_user",
        "identity.view_personaldocument",
        "identity.change_personaldocument",
        "dossiers.view_dossier",
        "dossiers.change_dossier",
        "dossiers.view_calendarexception",
    }
    assert _group_perms(roles.CASHIER) == {
        "payments.view_payment",
        "payments.record_counter_payment",
        "payments.view_refund",
        "payments.add_refund",
        "payments.view_receipt",
    }
    assert _group_perms(roles.AUDITOR) == {"portal.view_auditevent"}
    assert _group_perms(roles.VOLUNTEER) == {"identity.view_user"}
    publisher = _group_perms(roles.CATALOG_PUBLISHER)
    assert "services.publish_procedure" in publisher
    assert "services.change_procedure" not in publisher
    assert len(_group_perms(roles.CATALOG_EDITOR)) == 18
    assert "dossiers.assign_dossier" in _group_perms(roles.LEADER)


def test_roles_sync_takes_away_a_permission_no_app_declares():
    roles.roles_sync()
    group = Group.objects.get(name=roles.VOLUNTEER)
    group.permissions.add(*Group.objects.get(name=roles.CASHIER).permissions.all())
    roles.roles_sync()
    assert _group_perms(roles.VOLUNTEER) == {"identity.view_user"}


def test_an_app_declaring_a_role_that_does_not_exist_is_refused(monkeypatch):
    monkeypatch.setattr(apps.get_app_config("payments"), "role_permissions", {"treasurer": ["payments.view_payment"]})
    with pytest.raises(ValueError, match="payments declares permissions for an unknown role 'treasurer'"):
        roles.roles_sync()
