"""Service-quality indicators: what a leader sees on the indicators page and in its CSV."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers import services
from dossiers.indicators import agency_indicators
from dossiers.models import Channel, Dossier
from dossiers.rollups import indicators_rebuild
from identity.roles import CASHIER, INTAKE, PROCESSING

from .conftest import pdf_upload
from .factories import CitizenFactory, official, version

pytestmark = pytest.mark.django_db

URL = "/admin/dossiers/dossier/indicators/"
TZ = timezone.get_default_timezone()


@pytest.fixture(autouse=True)
def _no_staff_2fa(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "StaffTwoFactor" not in m]


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def _file(pv, citizen, *, channel=Channel.ONLINE) -> Dossier:
    d = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    services.dossier_draft_update(dossier=d, by=citizen, form_data={"reason": "Kết hôn"})
    services.dossier_file_add(dossier=d, by=citizen, doc_key="to-khai", upload=pdf_upload())
    d = services.dossier_submit(dossier=d, by=citizen)
    if channel != Channel.ONLINE:
        Dossier.objects.filter(pk=d.pk).update(channel=channel)
    return d


def _complete(d, intake, processor, *, electronic=True, rate=None) -> Dossier:
    d = services.dossier_receive(dossier=d, by=intake)
    d = services.dossier_approve(
        dossier=d, by=processor, result_file=pdf_upload("ket-qua.pdf") if electronic else None, paper_result=True
    )
    d = services.dossier_return_result(dossier=d, by=intake)
    if rate:
        services.dossier_rate(dossier=d, by=d.citizen, score=rate)
    return d


def _at(d, **fields):
    """Move a dossier's dates (arranging the past: the services stamp `now`)."""
    Dossier.objects.filter(pk=d.pk).update(**fields)
    d.refresh_from_db()
    return d


def _row(rows, agency):
    return next(r for r in rows if r.agency_id == agency.pk)


def _today():
    return timezone.localdate()


def test_on_time_rate_counts_a_dossier_completed_after_its_due_date_as_late(pv, citizen, agency, intake, processor):
    on_time = _complete(_file(pv, citizen), intake, processor)
    late = _complete(_file(pv, citizen), intake, processor)
    _at(
        on_time,
        due_at=on_time.completed_at + dt.timedelta(hours=1),
        legal_due_at=on_time.completed_at + dt.timedelta(hours=1),
    )
    _at(
        late,
        due_at=late.completed_at - dt.timedelta(minutes=1),
        legal_due_at=late.completed_at - dt.timedelta(minutes=1),
    )

    row = _row(agency_indicators(agency_ids=[agency.pk], start=_today(), end=_today()), agency)

    assert (row.resolved, row.on_time, row.resolved_with_due) == (2, 1, 2)
    assert row.on_time_rate.percent == 50.0


def test_ratios_of_a_small_agency(pv, citizen, agency, intake, processor, settings):
    from payments.models import Payment

    electronic = _complete(_file(pv, citizen), intake, processor, rate=5)
    paper = _complete(_file(pv, citizen), intake, processor, electronic=False, rate=3)
    at_counter = _file(pv, citizen, channel=Channel.COUNTER)
    for n, (d, provider) in enumerate([(electronic, "vnpay"), (paper, "counter"), (at_counter, "momo")]):
        Payment.objects.create(
            reference=f"T{n}", dossier=d, agency=agency, provider=provider, status="paid", amount=Decimal(50000)
        )
    Payment.objects.create(reference="T9", dossier=paper, agency=agency, provider="vnpay", amount=Decimal(1))

    row = _row(agency_indicators(agency_ids=[agency.pk], start=_today(), end=_today()), agency)

    assert (row.received, row.online, row.fully_online) == (3, 2, 2)
    assert round(row.online_share.percent, 2) == 66.67
    assert (row.paid_online, row.paid) == (2, 3)  # the unpaid vnpay attempt does not count
    assert (row.digitised, row.returned) == (1, 2)  # a paper result is not an electronic one
    assert (row.ratings, row.average_rating, row.satisfied_share.percent) == (2, 4.0, 50.0)

    # The page computes its period and the months of its trend together (one payment query for
    # all of them, "overdue now" once): the same rows as each period computed alone.
    from dossiers.indicator_pages import month_end, period_and_monthly

    period = (_today() - dt.timedelta(days=40), _today())
    rows, series = period_and_monthly(agency_ids=[agency.pk], period=period, last=_today(), n=3)
    alone = [agency_indicators(agency_ids=[agency.pk], start=period[0], end=period[1])]
    alone += [agency_indicators(agency_ids=[agency.pk], start=f, end=month_end(f)) for f, _rows in series]
    assert [[vars(r) for r in rs] for rs in [rows, *(r for _f, r in series)]] == [[vars(r) for r in rs] for rs in alone]
    assert _row(series[-1][1], agency).paid == 3
    # weights: on time 30 (100 %), online 10 (66.67), fully online 10 (66.67), paid online 10 (66.67),
    # electronic results 20 (50), satisfied 20 (50) → (3000 + 2000.1 + 1000 + 1000) / 100
    assert row.score == 70.0
    settings.INDICATOR_WEIGHTS = {"on_time_rate": 1}
    assert row.score == 100.0


def test_an_agency_without_dossiers_shows_a_dash_not_an_error(client, agency, other_agency):
    from identity.models import User

    rows = agency_indicators(agency_ids=[agency.pk, other_agency.pk], start=_today(), end=_today())
    assert [r.on_time_rate.percent for r in rows] == [None, None, None]
    assert rows[-1].is_total and rows[-1].score is None
    assert str(rows[0].online_share) == "—"

    client.force_login(User.objects.create_superuser("root@example.vn", "pw-for-tests-123"))
    page = client.get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert agency.name in body and other_agency.name in body
    assert "Chỉ số chất lượng phục vụ" in body
    assert "—" in body


def test_a_leader_sees_only_their_agencies(client, pv, citizen, agency, other_agency, leader):
    other_pv = version(code="1.000077", agencies=[other_agency])
    _file(pv, citizen)
    _file(other_pv, citizen)
    client.force_login(leader)

    body = client.get(URL).content.decode()
    assert agency.name in body
    assert other_agency.name not in body
    exported = client.get(URL, {"period": "this_month", "format": "csv"}).content.decode("utf-8-sig")
    assert agency.name in exported and other_agency.name not in exported


@pytest.mark.parametrize("roles", [(INTAKE,), (PROCESSING,), (CASHIER,), (INTAKE, PROCESSING)])
def test_officials_other_than_leaders_are_refused(client, agency, roles):
    client.force_login(official(agency, *roles))
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"format": "csv"}).status_code == 403


def test_citizens_and_anonymous_are_sent_to_login(client, citizen):
    assert "/login/" in client.get(URL)["Location"]
    client.force_login(citizen)
    assert "/login/" in client.get(URL)["Location"]


def test_query_count_does_not_grow_with_dossiers(client, pv, citizen, agency, leader, intake, processor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _complete(_file(pv, citizen), intake, processor, rate=4)
    with CaptureQueriesContext(connection) as few:
        agency_indicators(agency_ids=[agency.pk], start=_today(), end=_today())
    client.force_login(leader)
    client.get(URL)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as page_few:
        assert client.get(URL).status_code == 200

    for _ in range(6):
        _complete(_file(pv, CitizenFactory()), intake, processor, rate=5)
        _file(pv, citizen)
    # The agencies, the three live aggregates of today (submissions, completions, ratings), "overdue
    # now" and the payments hook; a period with past days adds one sum over the rollups.
    assert len(few.captured_queries) <= 6
    from pytest_django.asserts import assertNumQueries

    with assertNumQueries(len(few.captured_queries)):
        agency_indicators(agency_ids=[agency.pk], start=_today(), end=_today())
    with assertNumQueries(len(page_few.captured_queries)):
        assert client.get(URL).status_code == 200


def test_page_query_count_is_bounded(client, pv, citizen, leader, intake, processor, django_assert_max_num_queries):
    for _ in range(5):
        _complete(_file(pv, citizen), intake, processor)
    client.force_login(leader)
    client.get(URL)
    # The indicators (agencies, the rollups' sum, today's live aggregates, "overdue now", the
    # payments hook) and the admin page (12), and the six-month trend of the charts (four a month).
    with django_assert_max_num_queries(12 + 6 * 4):
        assert client.get(URL).status_code == 200


def test_the_csv_has_the_same_numbers_as_the_table(client, pv, citizen, agency, leader, intake, processor):
    _complete(_file(pv, citizen), intake, processor, rate=5)
    late = _complete(_file(pv, citizen), intake, processor, electronic=False)
    _at(late, due_at=late.completed_at - dt.timedelta(hours=1), legal_due_at=late.completed_at - dt.timedelta(hours=1))
    _file(pv, citizen, channel=Channel.COUNTER)
    client.force_login(leader)

    response = client.get(URL, {"period": "this_month", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, mine, total = table[0], table[1], table[-1]
    assert header[3] == "Cơ quan" and "Đúng hạn (%)" in header
    start = _today().replace(day=1)
    expected = agency_indicators(agency_ids=[agency.pk], start=start, end=_today())[0]
    assert mine[:7] == [
        start.isoformat(),
        _today().isoformat(),
        agency.code,
        agency.name,
        f"{expected.score:.1f}",
        "3",
        "2",
    ]
    assert mine[header.index("Đúng hạn (%)")] == "50.00" == str(expected.on_time_rate)
    assert mine[header.index("Nộp trực tuyến (%)")] == "66.67" == str(expected.online_share)
    assert mine[header.index("Kết quả điện tử (%)")] == "50.00"
    assert mine[header.index("Thanh toán trực tuyến (%)")] == "—"  # no payment in this world
    assert mine[header.index("Điểm hài lòng trung bình")] == "5.00"
    assert total[3] == "Tất cả cơ quan" and total[5] == "3"

    page = client.get(URL).content.decode()
    assert "66,67 %" in page and "50,00 %" in page


def test_the_period_filter_excludes_dossiers_outside_it(client, pv, citizen, agency, leader):
    inside = _file(pv, citizen)
    before = _file(pv, citizen)
    after = _file(pv, citizen)
    _at(inside, submitted_at=local(2026, 3, 1, 0, 30))  # just after local midnight (17:30 UTC the day before)
    _at(before, submitted_at=local(2026, 2, 28, 23, 59))
    _at(after, submitted_at=local(2026, 4, 1, 0, 0))
    # Dates moved behind the services' back: rebuild those days' rollups, as an operator would.
    indicators_rebuild(start=dt.date(2026, 2, 28), end=dt.date(2026, 4, 1))

    rows = agency_indicators(agency_ids=[agency.pk], start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    assert rows[0].received == 1

    client.force_login(leader)
    response = client.get(
        URL, {"period": "custom", "date_from": "2026-03-01", "date_to": "2026-03-31", "format": "csv"}
    )
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[1][5] == "1"
    assert (
        "01/03/2026"
        in client.get(URL, {"period": "custom", "date_from": "2026-03-01", "date_to": "2026-03-31"}).content.decode()
    )


def test_most_of_a_past_month_is_its_month_row_minus_the_other_days(pv, citizen, agency):
    first_day, middle, last_day = _file(pv, citizen), _file(pv, citizen), _file(pv, citizen)
    _at(first_day, submitted_at=local(2026, 3, 1, 0, 30))
    _at(middle, submitted_at=local(2026, 3, 15, 12, 0))
    _at(last_day, submitted_at=local(2026, 3, 31, 23, 59))
    indicators_rebuild(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))

    def received(start, end):
        return agency_indicators(agency_ids=[agency.pk], start=start, end=end)[0].received

    assert received(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == 3  # the month row
    assert received(dt.date(2026, 3, 2), dt.date(2026, 3, 31)) == 2  # the month row minus 1 March
    assert received(dt.date(2026, 3, 2), dt.date(2026, 3, 30)) == 1  # … minus 1 and 31 March
    assert received(dt.date(2026, 3, 10), dt.date(2026, 3, 20)) == 1  # the day rows
    assert received(dt.date(2026, 2, 20), dt.date(2026, 4, 10)) == 3


def test_named_periods():
    from dossiers.forms import period_named

    today = dt.date(2026, 5, 20)
    assert period_named("this_month", today) == (dt.date(2026, 5, 1), today)
    assert period_named("last_month", today) == (dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    assert period_named("this_quarter", today) == (dt.date(2026, 4, 1), today)
    assert period_named("this_year", today) == (dt.date(2026, 1, 1), today)
    assert period_named("last_month", dt.date(2026, 1, 5)) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))


@pytest.mark.parametrize(
    ("date_from", "date_to", "message"),
    [
        ("2026-03-31", "2026-03-01", "Ngày bắt đầu sau ngày kết thúc."),
        ("2026-02-30", "2026-03-01", "Nhập một ngày hợp lệ."),
        ("2026-03-01", "", "Hãy nhập cả hai ngày của khoảng thời gian, hoặc chọn một khoảng có sẵn."),
    ],
)
def test_an_invalid_custom_period_shows_a_vietnamese_error_and_keeps_the_input(
    client, leader, date_from, date_to, message
):
    client.force_login(leader)
    response = client.get(URL, {"period": "custom", "date_from": date_from, "date_to": date_to})
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert f'value="{date_from}"' in body
    if date_to:
        assert f'value="{date_to}"' in body
    assert '<option value="custom" selected>' in body
    assert "<table" not in body.split('id="content"')[-1]  # no table for a period that is not one
    csv_response = client.get(URL, {"period": "custom", "date_from": date_from, "date_to": date_to, "format": "csv"})
    assert not csv_response["Content-Type"].startswith("text/csv")


def test_the_queue_links_to_the_indicators_for_leaders_only(client, agency, leader, intake):
    client.force_login(leader)
    assert URL in client.get(reverse("admin:dossiers_dossier_changelist")).content.decode()
    client.force_login(intake)
    assert URL not in client.get(reverse("admin:dossiers_dossier_changelist")).content.decode()


def test_leaders_opening_the_page_in_the_same_minute_cost_one_computation(
    client, pv, citizen, agency, leader, intake, processor, settings
):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.INDICATOR_CACHE_SECONDS = 60
    cache.clear()
    _complete(_file(pv, citizen), intake, processor, rate=5)
    client.force_login(leader)
    with CaptureQueriesContext(connection) as first:
        body = client.get(URL).content.decode()
    assert "Số liệu tính lúc" in body and "60 giây" in body

    second_leader = official(agency, "leader")
    client.force_login(second_leader)
    with CaptureQueriesContext(connection) as second:
        again = client.get(URL).content.decode()
    read = lambda queries: [q["sql"] for q in queries if "dossiers_" in q["sql"] or "payments_" in q["sql"]]  # noqa: E731
    assert read(first.captured_queries), "the first view computes the figures"
    assert read(second.captured_queries) == [], "the second leader's view reads no dossier or payment row"
    # The same figures: the table and the charts are the first view's.
    table = lambda html: html[html.index('<table class="indicators-table">') : html.index("</table>")]  # noqa: E731
    assert table(again) == table(body)

    # Another period is computed on its own.
    with CaptureQueriesContext(connection) as other:
        client.get(URL, {"period": "this_year"})
    assert read(other.captured_queries)


def test_without_the_cache_the_page_does_not_claim_a_computation_time(client, pv, citizen, leader):
    _file(pv, citizen)
    client.force_login(leader)
    assert "Số liệu tính lúc" not in client.get(URL).content.decode()
