"""Reads about people: roles and the agencies an official may act for."""

import functools

from django.db.models import QuerySet

from catalog.selectors import agency_area, agency_descendant_ids

from .models import User

# Read once per user object (a request's user is loaded afresh for each request), as Django keeps
# its permission cache on the user: the dossier screen asks for every action of the lifecycle table.
# Changing the user's groups through `user.groups` forgets it (roles_forget, a m2m_changed receiver).
_ROLES_ATTR = "_portal_roles_cache"
_AGENCIES_ATTR = "_portal_agency_ids_cache"
_TOTP_ATTR = "_portal_has_totp_cache"
_TOTP_ROW = 2  # the `kind` of the row that says a TOTP authenticator exists
_PROFILE_ROW = 3  # the `kind` of the row holding the official profile and its agency


def user_has_totp(user: User) -> bool:
    """Whether the user has set up an authenticator app (TOTP). Read with their roles and
    permissions (one statement for the three; officials' requests need all of them)."""
    cached = getattr(user, _TOTP_ATTR, None)
    if cached is None:
        user_access_load(user)
        cached = getattr(user, _TOTP_ATTR)
    return cached


def user_roles(user: User) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, _ROLES_ATTR, None)
    if cached is None:
        cached = user_access_load(user)
    return set(cached)


def user_access_load(user: User) -> frozenset[str]:
    """Read the user's roles (group names), permissions (their own and their groups'), whether
    they have an authenticator app and their official profile with its agency, in one statement;
    keep them on the user object for the request: the roles where `user_roles` looks, the
    permissions where Django's ModelBackend does (identity.backends uses this), the profile where
    `user.official_profile` finds it. Returns the roles."""
    roles, own, of_groups = set(), set(), set()
    has_totp, profile = False, None
    rows, db = _access_rows(user.pk)
    for row in rows:
        kind = row[0]
        if kind == _TOTP_ROW:
            has_totp = True
            continue
        if kind == _PROFILE_ROW:
            profile = _profile_from_row(user, row, db)
            continue
        name, app_label, codename = row[1:4]
        if name is not None:
            roles.add(name)
        if codename is None:
            continue
        (own if name is None else of_groups).add(f"{app_label}.{codename}")
    User.official_profile.related.set_cached_value(user, profile)
    cached = frozenset(roles)
    setattr(user, _ROLES_ATTR, cached)
    setattr(user, _TOTP_ATTR, has_totp)
    if user.is_superuser:  # Django gives a superuser every permission: left to ModelBackend
        return cached
    user._user_perm_cache = own
    user._group_perm_cache = of_groups
    user._perm_cache = own | of_groups
    return cached


def _profile_from_row(user: User, row, db: str):
    """The official profile and its agency as the ORM would have read them (select_related)."""
    from .models import OfficialProfile

    profile_fields, agency_fields = _profile_columns()
    at = 4
    profile = OfficialProfile.from_db(db, [f.attname for f in profile_fields], row[at : at + len(profile_fields)])
    at += len(profile_fields)
    OfficialProfile.user.field.set_cached_value(profile, user)
    agency_values = row[at : at + len(agency_fields)]
    if agency_values[0] is not None:
        Agency = OfficialProfile.agency.field.related_model
        agency = Agency.from_db(db, [f.attname for f in agency_fields], agency_values)
        agency._portal_has_children = bool(row[at + len(agency_fields)])
        OfficialProfile.agency.field.set_cached_value(profile, agency)
    return profile


@functools.cache
def _profile_columns():
    from .models import OfficialProfile

    Agency = OfficialProfile.agency.field.related_model
    return tuple(OfficialProfile._meta.concrete_fields), tuple(Agency._meta.concrete_fields)


def _access_rows(user_pk: int) -> tuple[list, str]:
    """The rows of `_access_sql` for this user, and the database they were read from."""
    from django.contrib.auth.models import Group
    from django.db import connections, router

    db = router.db_for_read(Group)
    connection = connections[db]
    sql, params = _access_statement(connection.vendor, db).sql_and_params(connection, [user_pk] * 4 + [_totp_type()])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall(), db


def _totp_type() -> str:
    from allauth.mfa.models import Authenticator

    return str(Authenticator.Type.TOTP)


@functools.cache
def _access_statement(vendor: str, db: str):
    """Run prepared on PostgreSQL (portal.prepared): its planning cost more than its execution."""
    from portal.prepared import Prepared

    return Prepared(_access_sql(vendor, db), inline={4: _totp_type()})


@functools.cache
def _access_sql(vendor: str, db: str) -> str:
    """The statement of `user_access_load`, written once per process from the models' tables.

    Every row starts with its kind: 0 a group's permission (or a group without any: its name is
    still a role), 1 the user's own permission, 2 "has a TOTP authenticator" (the two-factor
    check's question), 3 the official profile with its agency's columns and whether the agency
    has agencies under it (most commune offices have none: then `official_agency_ids` needs no
    query of the tree). Rows of a kind leave the other kinds' columns NULL."""
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections

    from .models import OfficialProfile

    q = connections[db].ops.quote_name
    user_groups = User.groups.through._meta
    user_perms = User.user_permissions.through._meta
    group_perms = Group.permissions.through._meta
    totp = Authenticator._meta
    profile_fields, agency_fields = _profile_columns()
    Agency = OfficialProfile.agency.field.related_model

    def column(meta, name):
        return q(meta.get_field(name).column)

    perm, ctype = q(Permission._meta.db_table), q(ContentType._meta.db_table)
    n_extra = len(profile_fields) + len(agency_fields) + 1
    pad = ", NULL" * n_extra
    profile_cols = ", ".join(f"op.{q(f.column)}" for f in profile_fields)
    agency_cols = ", ".join(f"a.{q(f.column)}" for f in agency_fields)
    agency_parent = q(Agency._meta.get_field("parent").column)
    # Every name below comes from the models' metadata; the values are parameters.
    return (
        f"SELECT {_PROFILE_ROW}, NULL, NULL, NULL, {profile_cols}, {agency_cols},"  # noqa: S608
        f" CASE WHEN EXISTS (SELECT 1 FROM {q(Agency._meta.db_table)} c WHERE c.{agency_parent} = a.id)"
        f" THEN 1 ELSE 0 END"
        f" FROM {q(OfficialProfile._meta.db_table)} op"
        f" LEFT JOIN {q(Agency._meta.db_table)} a ON a.id = op.{column(OfficialProfile._meta, 'agency')}"
        f" WHERE op.{column(OfficialProfile._meta, 'user')} = %s"
        f" UNION ALL"
        f" SELECT 0, g.name, ct.app_label, p.codename{pad} FROM {q(user_groups.db_table)} ug"
        f" JOIN {q(Group._meta.db_table)} g ON g.id = ug.{column(user_groups, 'group')}"
        f" LEFT JOIN {q(group_perms.db_table)} gp ON gp.{column(group_perms, 'group')} = g.id"
        f" LEFT JOIN {perm} p ON p.id = gp.{column(group_perms, 'permission')}"
        f" LEFT JOIN {ctype} ct ON ct.id = p.content_type_id"
        f" WHERE ug.{column(user_groups, 'user')} = %s"
        f" UNION ALL"
        f" SELECT 1, NULL, ct.app_label, p.codename{pad} FROM {q(user_perms.db_table)} up"
        f" JOIN {perm} p ON p.id = up.{column(user_perms, 'permission')}"
        f" JOIN {ctype} ct ON ct.id = p.content_type_id"
        f" WHERE up.{column(user_perms, 'user')} = %s"
        f" UNION ALL"
        f" SELECT {_TOTP_ROW}, NULL, NULL, NULL{pad} FROM (SELECT 1 AS x FROM {q(totp.db_table)} t"
        f" WHERE t.{column(totp, 'user')} = %s AND t.{column(totp, 'type')} = %s LIMIT 1) found"
    )


_PERM_ATTRS = ("_perm_cache", "_user_perm_cache", "_group_perm_cache")


def roles_forget(sender=None, instance=None, **kwargs) -> None:
    """m2m_changed on User.groups: the user's cached roles, permissions and agencies are read again."""
    for attr in (_ROLES_ATTR, _AGENCIES_ATTR, _TOTP_ATTR, *_PERM_ATTRS):
        if instance is not None and attr in getattr(instance, "__dict__", {}):
            delattr(instance, attr)


def user_has_role(user: User, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def official_agency(user: User):
    """The official's agency (a catalog Agency), or None.

    The profile and its agency are read with the user's roles and permissions (one statement,
    `user_access_load`), once per user object, and kept where `user.official_profile` finds them
    (no profile: the accessor raises as usual)."""
    if not getattr(user, "is_authenticated", False):
        return None
    related = User.official_profile.related
    if not related.is_cached(user):
        user_access_load(user)
    profile = related.get_cached_value(user)
    return profile.agency if profile else None


def official_agency_ids(user: User, *, include_children: bool = True) -> set[int]:
    """The agencies whose work this official may see: their own and (by default) its children.

    Superusers are not special-cased here: callers decide whether a superuser sees everything.
    """
    agency = official_agency(user)
    if agency is None:
        return set()
    ids = {agency.pk}
    if include_children:
        cached = getattr(user, _AGENCIES_ATTR, None)
        if cached is None or cached[0] != agency.pk:
            has_children = getattr(agency, "_portal_has_children", True)  # unknown: ask the tree
            cached = (agency.pk, frozenset(agency_descendant_ids(ids=ids)) if has_children else frozenset())
            setattr(user, _AGENCIES_ATTR, cached)
        ids |= cached[1]
    return ids


def personal_document_accessible(user: User, document) -> bool:
    """The owner always; an official only when a registered checker (dossiers) says the
    document is part of a dossier they handle. Everyone else: no."""
    from .hooks import document_access_allowed

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if document.owner_id == user.pk:
        return True
    if not user.is_staff or (official_agency(user) is None and not user.is_superuser):
        return False
    return document_access_allowed(user, document)


def personal_documents_of(user: User):
    from .models import PersonalDocument

    return PersonalDocument.objects.filter(owner=user).order_by("-created_at")


def citizens_visible_to(user: User):
    """Citizens whose personal data an official may open in the admin: superusers see all;
    intake/processing/leader/volunteer officials see citizens who live in the commune or
    province of an agency in their scope, and intake officials also those waiting for
    in-person verification. Officials are never listed to other officials."""
    qs = User.objects.filter(official_profile__isnull=True, is_staff=False)
    if user.is_superuser:
        return qs
    from . import roles

    if not user_has_role(user, roles.INTAKE, roles.PROCESSING, roles.LEADER, roles.VOLUNTEER):
        return qs.none()
    ward_ids, province_ids = agency_area(ids=official_agency_ids(user))
    from django.db.models import Q

    scope = Q(ward_id__in=ward_ids) | Q(province_id__in=province_ids)
    if user_has_role(user, roles.INTAKE):
        # A citizen may ask to be verified at any one-stop desk: intake officials find them.
        scope |= Q(in_person_requested_at__isnull=False, identity_level=1)
    return qs.filter(scope)


def audit_events_visible_to(user: User):
    """Auditors see the audit trail of actions by officials of their agency scope (superusers: all)."""
    from portal.audit import audit_events

    if user.is_superuser:
        return audit_events()
    from . import roles

    if not user_has_role(user, roles.AUDITOR):
        return audit_events().none()
    return audit_events().filter(actor__official_profile__agency_id__in=official_agency_ids(user))


def user_meets_level(user: User, level: int) -> bool:
    """Whether the user's identity level is enough for a procedure's `min_eid_level`."""
    return bool(getattr(user, "is_authenticated", False)) and user.identity_level >= int(level or 1)


def citizen_by_personal_id(*, personal_id: str) -> User | None:
    """The active account holding this personal identification number, if any."""
    return User.objects.filter(personal_id=personal_id, is_active=True).first()


def officials_with_roles(*, agency_ids, roles) -> QuerySet[User]:
    """Active officials of these agencies who hold one of these roles (by pk)."""
    return (
        User.objects.filter(
            is_active=True, official_profile__agency_id__in=list(agency_ids), groups__name__in=list(roles)
        )
        .distinct()
        .order_by("pk")
    )


def officials_of_agencies(*, agency_ids) -> QuerySet[User]:
    """Active officials of these agencies, whatever their roles."""
    return User.objects.filter(is_active=True, official_profile__agency_id__in=list(agency_ids))


def personal_document_filename(document) -> str:
    """The name a stored document is downloaded under: no personal data, the right extension."""
    extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(document.content_type, "")
    return f"document-{document.pk}{extension}"
