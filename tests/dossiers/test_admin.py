import datetime as dt

import pytest
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
    # Counts of dossiers (the page's and each tab's); the fee column's GROUP BY over the page's
    # own ids is not one.
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper() and "payments_fee" not in q["sql"]]
    assert len(counts) >= 10
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
