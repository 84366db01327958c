"""Indicator rollups: the incremental job (events after a high-water mark) and the rebuild from the
raw rows give the same rows, and the indicators read from them equal a count made by hand from the
dossiers. Run on PostgreSQL too (DATABASE_URL)."""

import datetime as dt
import io
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from dossiers import services
from dossiers.indicators import agency_indicators
from dossiers.lifecycle import IN_PROGRESS_STATUSES, RESOLVED_STATUSES, SUCCESS_STATUSES
from dossiers.models import Channel, Dossier, DossierEvent, DossierFile, DossierRating, IndicatorDaily, IndicatorMonthly
from dossiers.rollups import indicators_rebuild, indicators_rollup
from identity.roles import INTAKE, PROCESSING

from .conftest import pdf_upload
from .factories import CitizenFactory, official, version

pytestmark = pytest.mark.django_db(transaction=False)


def _file(pv, citizen, channel):
    d = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    services.dossier_draft_update(dossier=d, by=citizen, form_data={"reason": "Kết hôn"})
    services.dossier_file_add(dossier=d, by=citizen, doc_key="to-khai", upload=pdf_upload())
    d = services.dossier_submit(dossier=d, by=citizen)
    if channel != Channel.ONLINE:
        Dossier.objects.filter(pk=d.pk).update(channel=channel)
    return d


def _lifecycle(rnd: random.Random, pv, citizen, staff) -> Dossier:
    """One dossier through the services along a random path."""
    d = _file(pv, citizen, rnd.choice([Channel.ONLINE, Channel.ONLINE, Channel.COUNTER]))
    path = rnd.choice(["submitted", "rejected", "withdrawn", "received", "supplement", "completed", "refused"])
    if path == "submitted":
        return d
    if path == "rejected":
        return services.dossier_reject_intake(dossier=d, by=staff, reason="Sai thành phần")
    if path == "withdrawn":
        return services.dossier_withdraw(dossier=d, by=citizen, reason="Không cần nữa")
    d = services.dossier_receive(dossier=d, by=staff)
    if path == "supplement" or rnd.random() < 0.3:
        d = services.dossier_request_supplement(dossier=d, by=staff, missing="Bản sao giấy tờ")
        if path == "supplement":
            return d  # the clock is stopped
        d = services.dossier_resubmit(dossier=d, by=citizen, note="Đã nộp bản sao tại quầy")
    if path == "received":
        return d
    if path == "refused":
        d = services.dossier_refuse(dossier=d, by=staff, reason="Không đủ điều kiện")
    else:
        electronic = rnd.random() < 0.6
        d = services.dossier_approve(
            dossier=d, by=staff, result_file=pdf_upload("ket-qua.pdf") if electronic else None, paper_result=True
        )
        d = services.dossier_return_result(dossier=d, by=staff)
    if rnd.random() < 0.6:
        services.dossier_rate(dossier=d, by=citizen, score=rnd.randint(1, 5))
    return d


def _into_the_past(rnd: random.Random, d: Dossier) -> None:
    """Move the dossier's whole history some days back (the services stamp now), and put its
    legal due date before or after its completion (on time or late), sometimes none at all."""
    # Up to some 45 days back: the histories cross at least one month boundary (month rows).
    shift = dt.timedelta(days=rnd.randint(0, 45), hours=rnd.randint(0, 23))
    d.refresh_from_db()
    fields = {
        name: getattr(d, name) - shift
        for name in ("created_at", "submitted_at", "received_at", "completed_at", "due_at", "legal_due_at")
        if getattr(d, name) is not None
    }
    if d.completed_at is not None:
        legal = d.completed_at - shift + dt.timedelta(hours=rnd.choice([-30, -1, 1, 50]))
        fields["legal_due_at"] = None if rnd.random() < 0.1 else legal
    elif d.status in IN_PROGRESS_STATUSES and rnd.random() < 0.5:
        fields["legal_due_at"] = timezone.now() - dt.timedelta(hours=1)  # overdue now
    Dossier.objects.filter(pk=d.pk).update(**fields)
    for event in DossierEvent.objects.filter(dossier=d):
        DossierEvent.objects.filter(pk=event.pk).update(at=event.at - shift)
    DossierRating.objects.filter(dossier=d).update(created_at=timezone.now() - shift + dt.timedelta(hours=1))


def _rows() -> set[tuple]:
    return {
        (r["agency_id"], r["procedure_id"], r["day"], *(r[c] for c in IndicatorDaily.COUNTS))
        for r in IndicatorDaily.objects.values("agency_id", "procedure_id", "day", *IndicatorDaily.COUNTS)
    }


def _months() -> set[tuple]:
    return {
        (r["agency_id"], r["month"], *(r[c] for c in IndicatorDaily.COUNTS))
        for r in IndicatorMonthly.objects.values("agency_id", "month", *IndicatorDaily.COUNTS)
    }


def _months_summed_from_the_days() -> set[tuple]:
    sums: dict[tuple, list[int]] = {}
    for r in IndicatorDaily.objects.filter(procedure__isnull=True).values("agency_id", "day", *IndicatorDaily.COUNTS):
        key = (r["agency_id"], r["day"].replace(day=1))
        sums[key] = [a + r[c] for a, c in zip(sums.get(key, [0] * len(IndicatorDaily.COUNTS)), IndicatorDaily.COUNTS)]
    return {(*key, *values) for key, values in sums.items()}


def _by_hand(agency, start, end, now) -> dict:
    """The indicators of one agency, counted in Python from the dossiers (the formulas of
    docs/lifecycle.md: on time against the legal due date; the clock stopped is never overdue)."""
    tz = timezone.get_default_timezone()

    def within(value):
        return value is not None and start <= value.astimezone(tz).date() <= end

    out = dict.fromkeys(("received", "online", "resolved", "on_time", "returned", "digitised", "overdue_now"), 0)
    out.update(ratings=0, ratings_sum=0)
    for d in Dossier.objects.filter(agency=agency).exclude(status="draft"):
        legal = d.legal_due_at or d.due_at
        if within(d.submitted_at):
            out["received"] += 1
            out["online"] += d.channel == Channel.ONLINE
        if within(d.completed_at) and d.status in RESOLVED_STATUSES:
            out["resolved"] += 1
            out["on_time"] += legal is not None and d.completed_at <= legal
        if within(d.completed_at) and d.status in SUCCESS_STATUSES:
            out["returned"] += 1
            out["digitised"] += DossierFile.objects.filter(dossier=d, kind=DossierFile.Kind.RESULT).exists()
        if d.status in IN_PROGRESS_STATUSES and legal is not None and legal < now:
            out["overdue_now"] += 1
        rating = DossierRating.objects.filter(dossier=d).first()
        if rating and within(rating.created_at):
            out["ratings"] += 1
            out["ratings_sum"] += rating.score
    return out


def test_incremental_rollups_equal_a_rebuild_from_the_raw_rows_over_random_lifecycles(agency, other_agency):
    rnd = random.Random(13)
    sides = []
    for a in (agency, other_agency):
        pvs = [version(agencies=[a]), version(agencies=[a])]
        sides.append((a, pvs, official(a, INTAKE, PROCESSING)))
    citizens = [CitizenFactory() for _ in range(4)]
    for i in range(36):
        a, pvs, staff = sides[i % 2]
        d = _lifecycle(rnd, rnd.choice(pvs), rnd.choice(citizens), staff)
        _into_the_past(rnd, d)
        if i % 5 == 4:  # the job runs now and then, in small batches, while dossiers keep coming
            indicators_rollup(batch=7, settle_seconds=0)
    while indicators_rollup(batch=7, settle_seconds=0)["events"]:
        pass
    incremental = _rows()
    assert incremental, "the job wrote no rollup rows"
    assert indicators_rollup(batch=7, settle_seconds=0)["events"] == 0

    months_incremental = _months()
    assert len({m for _a, m, *_c in months_incremental}) >= 2, "the histories should cross a month"
    assert months_incremental == _months_summed_from_the_days()

    # A rebuild from the raw rows (set-based on PostgreSQL) over an empty table gives the same
    # day rows and month rows as the job kept incrementally.
    IndicatorDaily.objects.all().delete()
    IndicatorMonthly.objects.all().delete()
    today = timezone.localdate()
    indicators_rebuild(start=today - dt.timedelta(days=50), end=today)
    assert _rows() == incremental
    assert _months() == months_incremental

    # What the page shows equals a count by hand, for a past period (rollups) and one with today.
    now = timezone.now()
    for start, end in (
        (today - dt.timedelta(days=14), today - dt.timedelta(days=3)),
        (today - dt.timedelta(days=5), today),
        # whole months (month rows) with a part of a month on each side (day rows) and today
        (today - dt.timedelta(days=48), today),
        ((today - dt.timedelta(days=40)).replace(day=1), today.replace(day=1) - dt.timedelta(days=1)),
    ):
        rows = agency_indicators(agency_ids=[agency.pk, other_agency.pk], start=start, end=end, now=now)
        for a in (agency, other_agency):
            row = next(r for r in rows if r.agency_id == a.pk)
            expected = _by_hand(a, start, end, now)
            assert {k: getattr(row, k) for k in expected} == expected, (a.code, start, end)


def test_a_date_corrected_by_hand_is_picked_up_by_a_rebuild_of_its_days(pv, citizen, agency, intake, processor):
    d = services.dossier_receive(dossier=_file(pv, citizen, Channel.ONLINE), by=intake)
    d = services.dossier_approve(dossier=d, by=processor, paper_result=True)
    d = services.dossier_return_result(dossier=d, by=intake)
    indicators_rollup(settle_seconds=0)
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    # A correction behind the services' back (no event): the job cannot see it, a rebuild does.
    Dossier.objects.filter(pk=d.pk).update(
        completed_at=d.completed_at - dt.timedelta(days=1), legal_due_at=d.completed_at + dt.timedelta(days=1)
    )
    row = next(r for r in agency_indicators(agency_ids=[agency.pk], start=yesterday, end=yesterday) if not r.is_total)
    assert (row.resolved, row.on_time) == (0, 0)

    out = io.StringIO()
    call_command("indicators_rebuild", "--from", str(yesterday), "--to", str(today), stdout=out)
    assert "2 days rebuilt" in out.getvalue()
    row = next(r for r in agency_indicators(agency_ids=[agency.pk], start=yesterday, end=yesterday) if not r.is_total)
    assert (row.resolved, row.on_time) == (1, 1)


def test_a_full_rebuild_moves_the_jobs_mark_past_the_events_it_counted(pv, citizen):
    _file(pv, citizen, Channel.ONLINE)
    out = io.StringIO()
    call_command("indicators_rebuild", stdout=out)
    assert "rollup job continues after event" in out.getvalue()
    assert indicators_rollup(settle_seconds=0)["events"] == 0


def test_the_rebuild_refuses_a_range_backwards():
    with pytest.raises(CommandError, match="before --from"):
        call_command("indicators_rebuild", "--from", "2026-02-01", "--to", "2026-01-01")


@pytest.mark.django_db(transaction=True)
def test_two_rebuilds_of_the_two_halves_of_a_month_at_once_leave_the_whole_month(pv, citizen):
    """Rebuilding a month in parallel ranges (what an operator does at 10 million dossiers): each
    process sums the month row from the day rows. The second waits for the first to commit and
    then counts both halves (PostgreSQL; without the lock it failed on the month's unique row or
    kept one half)."""
    import threading

    from django.db import connection, connections, transaction

    from dossiers.rollups import _days_write_set_based, months_write

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    first = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    tz = timezone.get_default_timezone()
    for day in (3, 4, 20, 21, 22):
        d = _file(pv, citizen, Channel.ONLINE)
        at = dt.datetime.combine(first.replace(day=day), dt.time(9), tzinfo=tz)
        Dossier.objects.filter(pk=d.pk).update(created_at=at, submitted_at=at)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    halves = [(first, first.replace(day=15)), (first.replace(day=16), last)]
    both_wrote_their_days = threading.Barrier(2, timeout=30)
    errors = []

    def rebuild(start, end):
        try:
            with transaction.atomic():
                _days_write_set_based(start, end)
                both_wrote_their_days.wait()  # neither has committed its days yet
                months_write([first])
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rebuild, args=half) for half in halves]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    month = IndicatorMonthly.objects.get(month=first, agency_id=Dossier.objects.values_list("agency_id", flat=True)[0])
    days = IndicatorDaily.objects.filter(
        procedure__isnull=True, day__gte=first, day__lte=last, agency_id=month.agency_id
    )
    assert sum(days.values_list("received", flat=True)) == 5
    assert month.received == 5
