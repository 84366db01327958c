"""portal.compiled: a statement built and compiled once per shape returns what the queryset returns,
binds each call's values, and refuses a statement it could not bind safely."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.compiled import CompiledQuery, CompiledQueryError
from portal.models import Notification, Ward

from .factories import NotificationFactory, ProvinceFactory, WardFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def wards():
    north = ProvinceFactory(code=1, name="Hà Nội", codename="ha_noi")
    south = ProvinceFactory(code=79, name="Hồ Chí Minh", codename="ho_chi_minh")
    return [
        WardFactory(code=10, name="Phường Ba Đình", province=north),
        WardFactory(code=11, name="Phường Hoàn Kiếm", province=north),
        WardFactory(code=20, name="Phường Sài Gòn", province=south),
        WardFactory(code=21, name="Phường Bến Thành", province=south),
    ]


def _wards(*, provinces, above):
    return Ward.objects.select_related("province").filter(province_id__in=provinces, code__gt=above).order_by("code")


def test_a_compiled_read_returns_the_rows_and_related_rows_the_queryset_returns(wards):
    read = CompiledQuery(_wards)
    expected = list(_wards(provinces=[1, 79], above=10))
    with CaptureQueriesContext(connection) as queries:
        got = read.fetch(provinces=[1, 79], above=10)
        names = [(w.name, w.province.name) for w in got]  # the provinces came with the wards
    assert [w.pk for w in got] == [w.pk for w in expected] == [11, 20, 21]
    assert names == [
        ("Phường Hoàn Kiếm", "Hà Nội"),
        ("Phường Sài Gòn", "Hồ Chí Minh"),
        ("Phường Bến Thành", "Hồ Chí Minh"),
    ]
    assert len(queries) == 1


def test_later_calls_bind_their_own_values_without_building_the_queryset_again(wards):
    built = []

    def build(**args):
        built.append(args)
        return _wards(**args)

    read = CompiledQuery(build)
    assert [w.code for w in read.fetch(provinces=[1, 79], above=10)] == [11, 20, 21]
    builds = len(built)
    assert [w.code for w in read.fetch(provinces=[79, 1], above=20)] == [21]
    assert [w.code for w in read.fetch(provinces=[1, 1000], above=0)] == [10, 11]
    assert len(built) == builds  # same shape: nothing built again
    # Another number of provinces is another statement (IN with one item): built once more.
    assert [w.code for w in read.fetch(provinces=[79], above=0)] == [20, 21]
    assert len(built) > builds


def test_values_rows_with_datetime_and_text_arguments_match_the_queryset(wards):
    old = NotificationFactory(event="dossier.received")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    new = NotificationFactory(event="dossier.received", user=old.user)
    NotificationFactory(event="payment.paid", user=old.user)

    def build(*, since, event):
        return Notification.objects.filter(created_at__gte=since, event=event).values("id", "event").order_by("id")

    read = CompiledQuery(build)
    since = timezone.now() - dt.timedelta(days=1)
    assert read.fetch(since=since, event="dossier.received") == list(build(since=since, event="dossier.received"))
    assert read.fetch(since=since, event="dossier.received") == [{"id": new.pk, "event": "dossier.received"}]
    earlier = since - dt.timedelta(days=5)
    assert [r["id"] for r in read.fetch(since=earlier, event="dossier.received")] == [old.pk, new.pk]


def test_a_value_the_orm_derives_from_an_argument_is_refused(wards):
    # icontains makes '%term%' of the term: that pattern cannot be bound later.
    read = CompiledQuery(lambda *, term: Ward.objects.filter(name__icontains=term))
    with pytest.raises(CompiledQueryError):
        read.fetch(term="Sài")


def test_an_argument_that_does_not_reach_the_statement_is_refused(wards):
    read = CompiledQuery(lambda *, code, unused: Ward.objects.filter(code=code))
    with pytest.raises(CompiledQueryError):
        read.fetch(code=10, unused=5)
    # None is part of the shape, not a value to bind: an argument a shape does not use is None.
    assert [w.code for w in read.fetch(code=10, unused=None)] == [10]


def test_an_empty_list_reads_nothing(wards):
    read = CompiledQuery(_wards)
    with CaptureQueriesContext(connection) as queries:
        assert read.fetch(provinces=[], above=0) == []
    assert len(queries) == 0


def test_shape_arguments_choose_the_statement(wards):
    def build(*, backwards, above):
        order = "-code" if backwards else "code"
        return Ward.objects.filter(code__gt=above).order_by(order).values_list("code", flat=True)

    read = CompiledQuery(build, shape_args=("backwards",))
    assert read.fetch(backwards=False, above=10) == [11, 20, 21]
    assert read.fetch(backwards=True, above=10) == [21, 20, 11]
