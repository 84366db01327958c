"""Reads about people: roles and the agencies an official may act for."""

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
    """Read the user's roles (group names) and permissions (their own and their groups') in one
    statement; keep them on the user object for the request, the roles where `user_roles` looks
    and the permissions where Django's ModelBackend does (identity.backends uses this). Returns
    the roles."""
    roles, own, of_groups = set(), set(), set()
    has_totp = False
    for name, app_label, codename, kind in _access_rows(user.pk):
        if kind == _TOTP_ROW:
            has_totp = True
            continue
        if name is not None:
            roles.add(name)
        if codename is None:
            continue
        (own if name is None else of_groups).add(f"{app_label}.{codename}")
    cached = frozenset(roles)
    setattr(user, _ROLES_ATTR, cached)
    setattr(user, _TOTP_ATTR, has_totp)
    if user.is_superuser:  # Django gives a superuser every permission: left to ModelBackend
        return cached
    user._user_perm_cache = own
    user._group_perm_cache = of_groups
    user._perm_cache = own | of_groups
    return cached


def _access_rows(user_pk: int):
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections, router

    connection = connections[router.db_for_read(Group)]
    q = connection.ops.quote_name
    user_groups = User.groups.through._meta
    user_perms = User.user_permissions.through._meta
    group_perms = Group.permissions.through._meta

    def column(meta, name):
        return q(meta.get_field(name).column)

    perm, ctype = q(Permission._meta.db_table), q(ContentType._meta.db_table)
    # A NULL name marks the user's own permissions; a group without permissions gives one row
    # with NULL permission columns (its name is still a role). The last column says what a row is:
    # 0 a group's, 1 the user's own, 2 "has a TOTP authenticator" (the two-factor check's question).
    totp = Authenticator._meta
    sql = (
        f"SELECT g.name, ct.app_label, p.codename, 0 FROM {q(user_groups.db_table)} ug"  # noqa: S608 - names from the models
        f" JOIN {q(Group._meta.db_table)} g ON g.id = ug.{column(user_groups, 'group')}"
        f" LEFT JOIN {q(group_perms.db_table)} gp ON gp.{column(group_perms, 'group')} = g.id"
        f" LEFT JOIN {perm} p ON p.id = gp.{column(group_perms, 'permission')}"
        f" LEFT JOIN {ctype} ct ON ct.id = p.content_type_id"
        f" WHERE ug.{column(user_groups, 'user')} = %s"
        f" UNION ALL"
        f" SELECT NULL, ct.app_label, p.codename, 1 FROM {q(user_perms.db_table)} up"
        f" JOIN {perm} p ON p.id = up.{column(user_perms, 'permission')}"
        f" JOIN {ctype} ct ON ct.id = p.content_type_id"
        f" WHERE up.{column(user_perms, 'user')} = %s"
        f" UNION ALL"
        f" SELECT NULL, NULL, NULL, {_TOTP_ROW} FROM (SELECT 1 FROM {q(totp.db_table)} a"
        f" WHERE a.{column(totp, 'user')} = %s AND a.{column(totp, 'type')} = %s LIMIT 1) t"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_pk, user_pk, user_pk, str(Authenticator.Type.TOTP)])
        return cursor.fetchall()


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

    The profile and its agency are read together, once per user object, and kept where
    `user.official_profile` finds them (no profile: the accessor raises as usual)."""
    if not getattr(user, "is_authenticated", False):
        return None
    related = User.official_profile.related
    if not related.is_cached(user):
        from django.db.models import Exists, OuterRef

        from .models import OfficialProfile

        Agency = OfficialProfile.agency.field.related_model
        # Whether the agency has agencies under it, in the same statement: most officials work in
        # an agency without any, and then `official_agency_ids` needs no query of the tree.
        under = Agency.objects.filter(parent_id=OuterRef("agency_id"))
        profile = (
            OfficialProfile.objects.select_related("agency")
            .annotate(agency_has_children=Exists(under))
            .filter(user_id=user.pk)
            .first()
        )
        if profile is not None:
            OfficialProfile.user.field.set_cached_value(profile, user)
            if profile.agency is not None:
                profile.agency._portal_has_children = profile.agency_has_children
        related.set_cached_value(user, profile)
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
