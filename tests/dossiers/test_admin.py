import datetime as dt

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from dossiers import services
from dossiers.models import Dossier, Status

from .conftest import pdf_upload
from .factories import official

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_staff_2fa(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "StaffTwoFactor" not in m]


def _many(pv, citizen, n):
    made = []
    for _ in range(n):
        d = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
        services.dossier_draft_update(dossier=d, by=citizen, form_data={"reason": "x"})
        services.dossier_file_add(dossier=d, by=citizen, doc_key="to-khai", upload=pdf_upload())
        made.append(services.dossier_submit(dossier=d, by=citizen))
    return made


def test_queue_shows_only_the_officials_agency(client, pv, citizen, intake, other_intake, other_agency):
    from .factories import version

    mine = _many(pv, citizen, 2)
    pv_other = version(code="1.000077", agencies=[other_agency])
    theirs = _many(pv_other, citizen, 1)
    client.force_login(intake)
    page = client.get(reverse("admin:dossiers_dossier_changelist")).content.decode()
    assert all(d.code in page for d in mine)
    assert theirs[0].code not in page
    assert client.get(reverse("admin:dossiers_dossier_change", args=[theirs[0].pk])).status_code == 404
    r = client.post(reverse("admin:dossiers_dossier_action", args=[theirs[0].pk, "receive"]), {"receive-note": ""})
    assert r.status_code == 404
    theirs[0].refresh_from_db()
    assert theirs[0].status == Status.SUBMITTED


@pytest.mark.parametrize(
    "queue", ["", "mine", "new", "processing", "supplement", "signoff", "to_return", "due_soon", "overdue", "done"]
)
def test_queue_pages_have_constant_query_count(client, pv, citizen, intake, queue, django_assert_max_num_queries):
    made = _many(pv, citizen, 3)
    for d in made[:2]:
        services.dossier_receive(dossier=d, by=intake)
    client.force_login(intake)
    url = reverse("admin:dossiers_dossier_changelist") + (f"?queue={queue}" if queue else "")
    client.get(url)  # warm caches (content types, permissions)
    # 10 for the page itself, one bounded count per tab (9; cached for a few seconds outside
    # tests), the page's fees and its working calendar.
    with django_assert_max_num_queries(10 + 9 + 2) as small:
        assert client.get(url).status_code == 200
    _many(pv, citizen, 12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_queue_never_counts_the_whole_table(client, pv, citizen, intake, django_assert_max_num_queries):
    _many(pv, citizen, 2)
    client.force_login(intake)
    with django_assert_max_num_queries(21) as ctx:
        client.get(reverse("admin:dossiers_dossier_changelist") + "?queue=new")
    # Counts of dossiers (each tab's: the page itself counts nothing, it reads one row past its
    # end to know whether a next page exists); the fee column's GROUP BY over the page's own ids
    # is not one.
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper() and "payments_fee" not in q["sql"]]
    assert len(counts) >= 9
    assert counts and all("LIMIT" in sql.upper() for sql in counts)
    # The bounded count does not sort what it counts (a sort of up to 1,001 rows at 1M dossiers).
    assert all("ORDER BY" not in sql.upper() for sql in counts)


def test_lists_do_not_load_the_procedure_snapshot(client, pv, citizen, intake, django_assert_max_num_queries):
    """A listed dossier shows its procedure's name: the frozen snapshot (1–2 KB of JSON a row)
    and the search text are not read for the queue or for the citizen's list."""
    _many(pv, citizen, 3)
    client.force_login(intake)
    with django_assert_max_num_queries(21) as queue:
        page = client.get(reverse("admin:dossiers_dossier_changelist")).content.decode()
    assert pv.name in page
    client.force_login(citizen)
    with django_assert_max_num_queries(16) as mine:
        page = client.get(reverse("dossiers:mine")).content.decode()
    assert pv.name in page
    for ctx in (queue, mine):
        listed = [q["sql"] for q in ctx.captured_queries if '"services_procedureversion"."name"' in q["sql"]]
        assert listed and not any("snapshot" in sql or "search_text" in sql for sql in listed)


def test_overdue_and_due_soon_queues(client, pv, citizen, intake):
    a, b, c = _many(pv, citizen, 3)
    for d in (a, b, c):
        services.dossier_receive(dossier=d, by=intake)
    Dossier.objects.filter(pk=a.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    Dossier.objects.filter(pk=b.pk).update(due_at=timezone.now() + dt.timedelta(hours=5))
    Dossier.objects.filter(pk=c.pk).update(due_at=timezone.now() + dt.timedelta(days=30))
    client.force_login(intake)
    base = reverse("admin:dossiers_dossier_changelist")
    overdue = client.get(base + "?queue=overdue").content.decode()
    soon = client.get(base + "?queue=due_soon").content.decode()
    assert a.code in overdue and b.code not in overdue and c.code not in overdue
    assert b.code in soon and a.code not in soon and c.code not in soon


def test_actions_from_the_processing_page(client, pv, citizen, intake, processor):
    (d,) = _many(pv, citizen, 1)
    client.force_login(intake)
    page = client.get(reverse("admin:dossiers_dossier_change", args=[d.pk])).content.decode()
    assert 'id="action-receive"' in page and 'id="action-approve"' not in page
    client.post(reverse("admin:dossiers_dossier_action", args=[d.pk, "receive"]), {"receive-note": "OK"})
    d.refresh_from_db()
    assert d.status == Status.IN_PROCESSING
    # An illegal move gives a message, never a 500.
    r = client.post(reverse("admin:dossiers_dossier_action", args=[d.pk, "return_result"]), {}, follow=True)
    assert r.status_code == 200
    assert any("cannot" in str(m).lower() or "không thể" in str(m).lower() for m in r.context["messages"])
    # A form error re-renders the page with the form.
    client.force_login(processor)
    r = client.post(reverse("admin:dossiers_dossier_action", args=[d.pk, "refuse"]), {"refuse-reason": ""})
    assert r.status_code == 200
    d.refresh_from_db()
    assert d.status == Status.IN_PROCESSING
    client.post(
        reverse("admin:dossiers_dossier_action", args=[d.pk, "approve"]), {"approve-result_file": pdf_upload("kq.pdf")}
    )
    d.refresh_from_db()
    assert d.status == Status.RESULT_READY


def test_claim_from_the_queue(client, pv, citizen, processor):
    (d,) = _many(pv, citizen, 1)
    client.force_login(processor)
    client.post(reverse("admin:dossiers_dossier_action", args=[d.pk, "claim"]))
    d.refresh_from_db()
    assert d.assigned_to == processor


def test_official_roles_get_admin_permissions(intake):
    assert intake.has_perm("dossiers.view_dossier")
    leader = official(intake.official_profile.agency, "leader")
    assert leader.has_perm("dossiers.assign_dossier")


def _page(client, url) -> tuple[list[int], str | None, str | None]:
    """The dossier ids a queue page lists, in order, and its previous and next links."""
    import re
    from html import unescape

    page = client.get(url).content.decode()
    ids = [int(pk) for pk in re.findall(r'name="_selected_action" value="(\d+)"', page)]
    links = {rel: unescape(href) for href, rel in re.findall(r'<a href="([^"]+)" rel="(prev|next)"', page)}
    return ids, links.get("prev"), links.get("next")


def test_the_queue_pages_walk_every_dossier_once_in_due_order(client, pv, citizen, intake):
    """Keyset pages: 60 dossiers of one queue in two pages (50, then 10), none twice, none left
    out, even with due dates shared by many dossiers and dossiers without one (those come last)."""
    (first,) = _many(pv, citizen, 1)
    services.dossier_receive(dossier=first, by=intake)
    first.refresh_from_db()
    copies = []
    for i in range(59):
        copy = Dossier.objects.get(pk=first.pk)
        copy.pk, copy.code = None, f"{first.code}-{i:02d}"
        # Ten shared due dates (ties broken by the submission time, then the id), and no due date
        # at all for every seventh one.
        copy.due_at = None if i % 7 == 0 else first.due_at + dt.timedelta(days=i % 10)
        copies.append(copy)
    Dossier.objects.bulk_create(copies)
    client.force_login(intake)
    base = reverse("admin:dossiers_dossier_changelist")
    one, previous, following = _page(client, base + "?queue=processing")
    assert len(one) == 50 and previous is None and following
    two, back, last = _page(client, base + following)
    assert len(two) == 10 and last is None and back
    listed = one + two
    expected = list(
        Dossier.objects.filter(status=Status.IN_PROCESSING)
        .order_by(F("due_at").asc(nulls_last=True), "submitted_at", "id")
        .values_list("id", flat=True)
    )
    assert listed == expected
    # Back from the second page: the first page again, as it was.
    again, _previous, _following = _page(client, base + back)
    assert again == one


def test_a_cursor_page_runs_as_many_statements_as_the_first(client, pv, citizen, intake, django_assert_num_queries):
    (first,) = _many(pv, citizen, 1)
    Dossier.objects.bulk_create([Dossier(**{**_fields(first), "code": f"{first.code}-{i:02d}"}) for i in range(55)])
    client.force_login(intake)
    base = reverse("admin:dossiers_dossier_changelist") + "?queue=new"
    client.get(base)  # warm caches (content types, the tabs' counts)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        _ids, _previous, following = _page(client, base)
    with django_assert_num_queries(len(one.captured_queries)):
        ids, _previous, _following = _page(client, reverse("admin:dossiers_dossier_changelist") + following)
    assert len(ids) == 6


def _fields(dossier) -> dict:
    return {
        f.attname: getattr(dossier, f.attname)
        for f in Dossier._meta.concrete_fields
        if f.attname not in ("id", "created_at", "updated_at")
    }


def test_a_forged_cursor_never_shows_another_agencys_dossier(client, pv, citizen, intake, other_agency):
    """A cursor only says where to start reading the official's own queue: whatever its value,
    a dossier held by another agency is not listed (nor is a malformed cursor an error)."""
    from .factories import version

    mine = _many(pv, citizen, 2)
    (theirs,) = _many(version(code="1.000078", agencies=[other_agency]), citizen, 1)
    client.force_login(intake)
    base = reverse("admin:dossiers_dossier_changelist")
    from dossiers.selectors import QUEUE_NO_DATE, queue_cursor, queue_key_of

    # Their dossier's own key, a cursor just before it, and ones at either end of the order.
    theirs_key = queue_key_of({"due_at": theirs.due_at, "submitted_at": theirs.submitted_at, "id": theirs.pk})
    before_theirs = (*theirs_key[:2], theirs.pk - 1)
    ends = [
        (QUEUE_NO_DATE, QUEUE_NO_DATE, 2**62),
        (QUEUE_NO_DATE.replace(year=1970), QUEUE_NO_DATE.replace(year=1970), 1),
    ]
    for key in [theirs_key, before_theirs, *ends]:
        for direction in ("after", "before"):
            for queue in ("", "new"):
                url = f"{base}?{direction}={queue_cursor(key)}" + (f"&queue={queue}" if queue else "")
                response = client.get(url)
                assert response.status_code == 200
                page = response.content.decode()
                assert theirs.code not in page
                assert f'value="{theirs.pk}"' not in page
    # Reading from the very start of the order lists the official's own dossiers.
    ids, _previous, _following = _page(client, f"{base}?after={queue_cursor(ends[1])}")
    assert sorted(ids) == sorted(d.pk for d in mine)
    for junk in ("x", "1.2", "-1.-2.-3", "9" * 40 + ".1.1", "1.1.0"):
        assert client.get(base, {"after": junk}).status_code == 200
        assert client.get(base, {"before": junk}).status_code == 200


def test_the_status_and_channel_selects_narrow_the_queue(client, pv, citizen, intake):
    received, waiting = _many(pv, citizen, 2)
    services.dossier_receive(dossier=received, by=intake)
    Dossier.objects.filter(pk=waiting.pk).update(channel="counter")
    client.force_login(intake)
    base = reverse("admin:dossiers_dossier_changelist")
    assert _page(client, f"{base}?status=in_processing")[0] == [received.pk]
    assert _page(client, f"{base}?channel=counter")[0] == [waiting.pk]
    page = client.get(base, {"status": "in_processing"}).content.decode()
    assert '<option value="in_processing" selected>' in page
    # An unknown value is no filter at all (and no error).
    assert sorted(_page(client, f"{base}?status=nonsense&channel=nonsense")[0]) == sorted([received.pk, waiting.pk])


def test_taking_without_ticking_a_dossier_changes_nothing_and_says_so(client, pv, citizen, intake):
    (dossier,) = _many(pv, citizen, 1)
    client.force_login(intake)
    url = reverse("admin:dossiers_dossier_changelist") + "?queue=new"
    response = client.post(url, {"action": "claim_selected", "index": 0}, follow=True)
    assert response.redirect_chain[-1][0].endswith("?queue=new")
    # Django's own words for it ("Mục tiêu phải được chọn…"), as a warning.
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]
    dossier.refresh_from_db()
    assert dossier.assigned_to is None
