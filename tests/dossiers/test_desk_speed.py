"""Issue 19's speed: the officials' two busiest pages run a fixed number of SQL statements, however
many dossiers the queue holds and however long a dossier's history is (the page's cost at a
million dossiers then stays that of a small office)."""

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.models import Dossier, DossierEvent, DossierFile, IssuedDocument

from .conftest import pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_staff_2fa(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "StaffTwoFactor" not in m]


def _submit(pv, citizen) -> Dossier:
    d = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    services.dossier_draft_update(dossier=d, by=citizen, form_data={"reason": "x"})
    services.dossier_file_add(dossier=d, by=citizen, doc_key="to-khai", upload=pdf_upload())
    return services.dossier_submit(dossier=d, by=citizen)


def _copies(model_instance: Dossier, n: int) -> None:
    """n more dossiers like this one (same procedure, agency and state), straight into the table."""
    rows = []
    for i in range(n):
        copy = Dossier.objects.get(pk=model_instance.pk)
        copy.pk = None
        copy.code = f"{model_instance.code}-{i:03d}"
        rows.append(copy)
    Dossier.objects.bulk_create(rows)


@pytest.mark.parametrize("queue", ["", "new", "processing", "mine"])
def test_the_queue_page_runs_as_many_statements_for_50_dossiers_as_for_5(
    client, pv, citizen, intake, queue, django_assert_max_num_queries
):
    made = [_submit(pv, citizen) for _ in range(5)]
    for d in made[:2]:
        services.dossier_claim(dossier=services.dossier_receive(dossier=d, by=intake), by=intake)
    client.force_login(intake)
    url = reverse("admin:dossiers_dossier_changelist") + (f"?queue={queue}" if queue else "")
    client.get(url)  # warm caches (content types)
    with django_assert_max_num_queries(26) as five:
        assert client.get(url).status_code == 200
    _copies(made[0], 25)  # in processing, taken by the clerk
    _copies(made[4], 25)  # new
    with django_assert_max_num_queries(len(five.captured_queries)) as fifty:
        page = client.get(url).content.decode()
    assert len(fifty.captured_queries) == len(five.captured_queries)
    assert page.count('class="action-select"') >= (25 if queue else 50)


def test_the_dossier_screen_runs_as_many_statements_for_a_long_history_as_for_a_short_one(
    client, received, intake, django_assert_max_num_queries
):
    client.force_login(intake)
    url = reverse("admin:dossiers_dossier_change", args=[received.pk])
    client.get(url)  # warm caches (content types)
    with django_assert_max_num_queries(26) as short:
        assert client.get(url).status_code == 200
    first = received.files.first()
    DossierFile.objects.bulk_create(
        [
            DossierFile(dossier=received, doc_key=first.doc_key, file=first.file.name, original_name=f"scan-{i}.pdf")
            for i in range(8)
        ]
    )
    DossierEvent.objects.bulk_create(
        [DossierEvent(dossier=received, actor=intake, action="note", note=f"note {i}") for i in range(20)]
    )
    IssuedDocument.objects.bulk_create(
        [IssuedDocument(dossier=received, kind=IssuedDocument.Kind.RECEIPT, file=first.file.name) for _ in range(4)]
    )
    with django_assert_max_num_queries(len(short.captured_queries)) as long:
        page = client.get(url).content.decode()
    assert len(long.captured_queries) == len(short.captured_queries)
    assert page.count("scan-") >= 8 and page.count("note ") >= 20
    # The number of statements is small and fixed: user, roles and permissions (one), the agency
    # and the ones under it, the dossier, its events, files, issued documents, parts, fees and the
    # forms' choices (the session is read from the cache).
    assert len(short.captured_queries) <= 18


def test_the_screens_action_forms_are_djangos_markup_and_follow_the_agencies(client, received, processor):
    """The screen keeps an unbound form's markup between screens: it is Django's own rendering of the
    form, and an agency opened (or closed) since the last screen is offered (or not) at once."""
    from dossiers.forms import SupplementRequestForm, TransferForm

    from .factories import AgencyFactory

    client.force_login(processor)
    url = reverse("admin:dossiers_dossier_change", args=[received.pk])
    first = client.get(url).content.decode()
    assert TransferForm(prefix="transfer").as_div() in first
    assert SupplementRequestForm(prefix="request_supplement").as_div() in first
    opened = AgencyFactory(code="000.00.33.H57", name="UBND xã Tân Hạnh")
    second = client.get(url).content.decode()
    assert f'<option value="{opened.pk}">UBND xã Tân Hạnh</option>' in second
    assert TransferForm(prefix="transfer").as_div() in second
    opened.is_active = False
    opened.save()
    assert "UBND xã Tân Hạnh" not in client.get(url).content.decode()


def test_the_screen_of_a_dossier_filed_on_behalf_as_part_of_a_bundle_reads_nothing_more(
    client, received, submitted, intake, other_citizen, django_assert_max_num_queries
):
    """The screen reads only some columns of the dossier's related rows: the filer's name and the
    bundle's code shown on the screen come with the dossier, not one query each."""
    client.force_login(intake)
    url = reverse("admin:dossiers_dossier_change", args=[received.pk])
    client.get(url)  # warm caches (content types)
    with django_assert_max_num_queries(30) as plain:
        client.get(url)
    bundle = Dossier.objects.get(pk=received.pk)
    bundle.pk, bundle.code = None, f"{received.code}-B"
    bundle.save()
    Dossier.objects.filter(pk=received.pk).update(filed_by=other_citizen, parent=bundle, consent_recorded=True)
    with django_assert_max_num_queries(len(plain.captured_queries)) as behalf:
        page = client.get(url).content.decode()
    assert len(behalf.captured_queries) == len(plain.captured_queries)
    assert "Lê Văn Tám" in page and f"{received.code}-B" in page


@pytest.mark.parametrize("queue", [None, *__import__("dossiers.selectors", fromlist=["QUEUES"]).QUEUES])
def test_every_queue_tab_compiled_once_lists_what_the_orm_lists(pv, citizen, intake, queue):
    """The queue page's statement is compiled once per shape (portal.compiled) and bound to each
    request's values: for every tab, read forwards and backwards from a cursor, it lists the rows
    the queryset itself lists."""
    import datetime as dt

    from django.utils import timezone

    from dossiers.admin import _QUEUE_READ, _queue_read
    from dossiers.selectors import due_soon_limit, queue_key_of

    made = [_submit(pv, citizen) for _ in range(4)]
    services.dossier_claim(dossier=services.dossier_receive(dossier=made[0], by=intake), by=intake)
    services.dossier_receive(dossier=made[1], by=intake)
    Dossier.objects.filter(pk=made[1].pk).update(due_at=timezone.now() - dt.timedelta(days=2))  # overdue
    Dossier.objects.filter(pk=made[2].pk).update(due_at=timezone.now() + dt.timedelta(hours=20))
    _copies(made[3], 6)
    now = timezone.now()
    agencies = [made[0].current_agency_id]
    base = {
        "agencies": agencies,
        "queue": queue,
        "user_pk": intake.pk if queue == "mine" else None,
        "now": now if queue in ("due_soon", "overdue") else None,
        "soon": due_soon_limit(now) if queue == "due_soon" else None,
        "status": None,
        "channel": None,
        "direction": None,
        "cursor_due": None,
        "cursor_submitted": None,
        "cursor_pk": None,
        "with_agency": False,
    }
    first = _QUEUE_READ.fetch(**base)
    assert first == list(_queue_read(**base))
    if queue in (None, "new"):
        assert len(first) >= 7
    if first:
        due, submitted, pk = queue_key_of(first[len(first) // 2])
        for direction in ("after", "before"):
            read = {**base, "direction": direction, "cursor_due": due, "cursor_submitted": submitted, "cursor_pk": pk}
            assert _QUEUE_READ.fetch(**read) == list(_queue_read(**read))
    other = {**base, "agencies": [agencies[0] + 1000]}
    assert _QUEUE_READ.fetch(**other) == [] == list(_queue_read(**other))
