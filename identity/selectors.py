"""Reads about people: roles and the agencies an official may act for."""

from services.models import Agency

from .models import User


def user_roles(user: User) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(user.groups.values_list("name", flat=True))


def user_has_role(user: User, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def official_agency(user: User) -> Agency | None:
    profile = getattr(user, "official_profile", None) if getattr(user, "is_authenticated", False) else None
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
        frontier = {agency.pk}
        while frontier:
            frontier = set(Agency.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - ids
            ids |= frontier
    return ids
