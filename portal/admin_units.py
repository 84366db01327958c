"""Loading the administrative units (34 provinces, 3,321 communes) from `vietnam-provinces`."""

import vietnam_provinces as vp
from django.db import transaction
from django.db.models import QuerySet

from .models import Province, Ward


@transaction.atomic
def admin_units_load() -> tuple[int, int]:
    """Create or update every province and commune-level unit. Idempotent; returns the counts."""
    existing_p = {p.code: p for p in Province.objects.all()}
    new_p, upd_p = [], []
    for item in vp.Province.iter_all():
        code = int(item.code)
        values = {"name": item.name, "division_type": item.division_type.value, "codename": item.codename}
        row = existing_p.get(code)
        if row is None:
            new_p.append(Province(code=code, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            upd_p.append(row)
    Province.objects.bulk_create(new_p)
    if upd_p:
        Province.objects.bulk_update(upd_p, ["name", "division_type", "codename"])

    existing_w = {w.code: w for w in Ward.objects.all()}
    new_w, upd_w = [], []
    for item in vp.Ward.iter_all():
        code = int(item.code)
        values = {
            "name": item.name,
            "division_type": item.division_type.value,
            "codename": item.codename,
            "province_id": int(item.province_code),
        }
        row = existing_w.get(code)
        if row is None:
            new_w.append(Ward(code=code, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            upd_w.append(row)
    Ward.objects.bulk_create(new_w, batch_size=500)
    if upd_w:
        Ward.objects.bulk_update(upd_w, ["name", "division_type", "codename", "province_id"], batch_size=500)
    return Province.objects.count(), Ward.objects.count()


def provinces() -> QuerySet[Province]:
    return Province.objects.order_by("name")


def province_by_name(name_part: str) -> Province | None:
    return Province.objects.filter(name__icontains=name_part).first()


def wards(*, province_id: int | None = None) -> QuerySet[Ward]:
    """Commune-level units by name, those of one province when given."""
    qs = Ward.objects.select_related("province").order_by("name")
    return qs if province_id is None else qs.filter(province_id=province_id)


def wards_by_province() -> QuerySet[Ward]:
    return Ward.objects.select_related("province").order_by("province__name", "name")


def ward_get(*, code: int) -> Ward | None:
    return Ward.objects.select_related("province").filter(pk=code).first()
