import datetime as dt
import re

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from dossiers import hooks, services
from dossiers.models import Dossier, DossierEvent, DossierFile, IssuedDocument, Status
from dossiers.services import DossierActionError
from dossiers.signals import dossier_submitted, dossier_transitioned

from .conftest import pdf_upload
from .factories import PNG_BYTES, AgencyFactory, official, version

pytestmark = pytest.mark.django_db


def test_submit_gives_code_freezes_data_and_signals(pv, citizen):
    seen = []
    dossier_submitted.connect(lambda sender, dossier, **kw: seen.append(dossier.code), weak=False, dispatch_uid="t1")
    try:
        draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
        assert draft.applicant["full_name"] == "Nguyễn Thị Hằng"
        services.dossier_draft_update(dossier=draft, by=citizen, form_data={"reason": "Kết hôn"})
        services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=pdf_upload())
        dossier = services.dossier_submit(dossier=draft, by=citizen)
    finally:
        dossier_submitted.disconnect(dispatch_uid="t1")
    today = timezone.localdate()
    assert re.fullmatch(rf"000\.00\.31\.H57-{today:%y%m%d}-0001", dossier.code)
    assert dossier.status == Status.SUBMITTED
    assert dossier.current_agency_id == dossier.agency_id
    assert seen == [dossier.code]
    assert list(dossier.events.values_list("action", flat=True)) == ["draft", "submit"]
    # Submitting again is a no-op, the next dossier gets the next number.
    assert services.dossier_submit(dossier=dossier, by=citizen).code == dossier.code
    second = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    services.dossier_draft_update(dossier=second, by=citizen, form_data={"reason": "x"})
    services.dossier_file_add(dossier=second, by=citizen, doc_key="to-khai", upload=pdf_upload())
    assert services.dossier_submit(dossier=second, by=citizen).code.endswith("-0002")


def test_submit_refuses_incomplete_dossier(pv, citizen):
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    with pytest.raises(DossierActionError, match=r"Tờ khai|Lý do|reason"):
        services.dossier_submit(dossier=draft, by=citizen)
    errors = services.dossier_validation_errors(draft)
    assert "form:reason" in errors and "documents:to-khai" in errors
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.code is None


def test_only_owner_edits_or_submits_draft(pv, citizen, other_citizen):
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    with pytest.raises(DossierActionError, match="Hồ sơ này không phải của bạn"):
        services.dossier_draft_update(dossier=draft, by=other_citizen, form_data={"reason": "x"})
    with pytest.raises(DossierActionError, match="Hồ sơ này không phải của bạn"):
        services.dossier_submit(dossier=draft, by=other_citizen)


def test_upload_checks_content_size_and_count(pv, citizen, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(DossierActionError, match="PDF, JPEG"):
        services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=fake)
    polyglot = SimpleUploadedFile("a.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"<html><script>x</script>")
    with pytest.raises(DossierActionError, match="PDF, JPEG"):
        services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=polyglot)
    trailing = SimpleUploadedFile("b.pdf", b"%PDF-1.4\n%%EOF\nPK\x03\x04zip")
    with pytest.raises(DossierActionError, match="PDF, JPEG"):
        services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=trailing)
    png = services.dossier_file_add(
        dossier=draft, by=citizen, doc_key="to-khai", upload=SimpleUploadedFile("a.exe", PNG_BYTES)
    )
    assert png.content_type == "image/png"
    assert png.file.name.endswith(".png") and "a.exe" not in png.file.name
    settings.DOSSIER_UPLOAD_MAX_FILE_SIZE = 10
    with pytest.raises(DossierActionError, match=r"at most|tối đa"):
        services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=pdf_upload())
    settings.DOSSIER_UPLOAD_MAX_FILE_SIZE = 10_000
    settings.DOSSIER_UPLOAD_MAX_FILES = 1
    with pytest.raises(DossierActionError, match=r"at most 1|tối đa 1"):
        services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=pdf_upload())
    settings.DOSSIER_UPLOAD_MAX_FILES = 10
    settings.DOSSIER_UPLOAD_MAX_TOTAL_SIZE = len(PNG_BYTES) + 5
    with pytest.raises(DossierActionError, match=r"in total|tổng"):
        services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=pdf_upload())


def test_receive_sets_due_date_and_issues_receipt(submitted, intake, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = services.dossier_receive(dossier=submitted, by=intake)
    assert dossier.status == Status.IN_PROCESSING
    assert dossier.received_at and dossier.due_at > dossier.received_at
    assert dossier.assigned_to == intake
    receipt = IssuedDocument.objects.get(dossier=dossier, kind=IssuedDocument.Kind.RECEIPT)
    assert receipt.file.read().startswith(b"%PDF")
    assert any(dossier.code in m.subject for m in mail.outbox)
    # Receiving again is a no-op (no second event).
    services.dossier_receive(dossier=dossier, by=intake)
    assert dossier.events.filter(action="receive").count() == 1


def test_supplement_round_trip(received, processor, citizen):
    d = services.dossier_request_supplement(dossier=received, by=processor, missing="Bản sao giấy khai sinh")
    assert d.status == Status.SUPPLEMENT_REQUESTED
    with pytest.raises(DossierActionError, match="Hãy tải lên giấy tờ được yêu cầu"):
        services.dossier_resubmit(dossier=d, by=citizen)  # nothing uploaded yet
    services.dossier_file_add(dossier=d, by=citizen, upload=pdf_upload("ks.pdf"), kind=DossierFile.Kind.SUPPLEMENT)
    d = services.dossier_resubmit(dossier=d, by=citizen)
    assert d.status == Status.IN_PROCESSING


def _working_days_in(start, end):
    """Weekdays that are not Vietnamese public holidays in (start, end]: an oracle independent of
    dossiers.calendar (no admin-declared exceptions in these tests)."""

    import holidays

    days = [start + dt.timedelta(days=i) for i in range(1, (end - start).days + 1)]
    off = holidays.VN(years={start.year, end.year})
    return sum(1 for day in days if day.weekday() < 5 and day not in off)


def _counted_day(moment):
    """The day an act made at `moment` counts on, by the same independent oracle: that day, or the
    next working day when it is past the intake cut-off or not a working day."""
    import holidays
    from django.conf import settings

    from dossiers.calendar import TZ

    local = timezone.localtime(moment, TZ)
    off = holidays.VN(years={local.year, local.year + 1})
    hours, minutes = (int(part) for part in settings.DOSSIER_INTAKE_CUTOFF.split(":"))
    day = local.date()
    if day.weekday() >= 5 or day in off or local.time() >= dt.time(hours, minutes):
        day += dt.timedelta(days=1)
        while day.weekday() >= 5 or day in off:
            day += dt.timedelta(days=1)
    return day


def test_the_legal_clock_stops_while_the_citizen_supplements(received, processor, citizen):

    from dossiers.calendar import TZ

    due_before = received.due_at
    d = services.dossier_request_supplement(dossier=received, by=processor, missing="Bản sao giấy khai sinh")
    # The request went out a week ago; the citizen resubmits today.
    asked = timezone.now() - dt.timedelta(days=7)
    d.events.filter(action="request_supplement").update(at=asked)
    services.dossier_file_add(dossier=d, by=citizen, upload=pdf_upload("ks.pdf"), kind=DossierFile.Kind.SUPPLEMENT)
    resubmitted = timezone.now()
    d = services.dossier_resubmit(dossier=d, by=citizen)

    # Up to the day the resubmission counts on: after 15:00 (or on a day off), the next working day.
    waited = _working_days_in(timezone.localtime(asked, TZ).date(), _counted_day(resubmitted))
    assert waited >= 3
    before, after = timezone.localtime(due_before, TZ), timezone.localtime(d.due_at, TZ)
    assert after.time() == before.time()  # still the end of office hours
    assert _working_days_in(before.date(), after.date()) == waited
    assert after.weekday() < 5
    event = d.events.get(action="resubmit")
    assert event.data["paused_working_days"] == waited
    assert event.new_due_at == d.due_at


def test_a_supplement_the_same_day_does_not_move_the_due_date(clock, received, processor, citizen):
    from dossiers.calendar import TZ

    due = received.due_at
    clock.set(dt.datetime(2026, 3, 2, 9, tzinfo=TZ))  # a Monday morning
    d = services.dossier_request_supplement(dossier=received, by=processor, missing="Ảnh chân dung")
    clock.set(dt.datetime(2026, 3, 2, 14, 30, tzinfo=TZ))  # before the 15:00 cut-off
    d = services.dossier_resubmit(dossier=d, by=citizen, note="Đã nộp tại quầy")
    assert d.due_at == due


def test_a_supplement_after_the_cutoff_restarts_the_clock_from_the_next_working_day(
    settings, clock, received, processor, citizen
):
    from dossiers.calendar import TZ

    settings.DOSSIER_INTAKE_CUTOFF = "15:00"
    due = timezone.localtime(received.due_at, TZ)
    clock.set(dt.datetime(2026, 3, 2, 9, tzinfo=TZ))  # Monday 9:00: supplements asked
    d = services.dossier_request_supplement(dossier=received, by=processor, missing="Ảnh chân dung")
    clock.set(dt.datetime(2026, 3, 2, 16, tzinfo=TZ))  # Monday 16:00: counts as Tuesday
    d = services.dossier_resubmit(dossier=d, by=citizen, note="Đã nộp tại quầy")
    assert d.events.get(action="resubmit").data["paused_working_days"] == 1
    assert _working_days_in(due.date(), timezone.localtime(d.due_at, TZ).date()) == 1


def test_supplement_before_receipt_returns_to_submitted(submitted, intake, citizen):
    d = services.dossier_request_supplement(dossier=submitted, by=intake, missing=["Ảnh chân dung"])
    d = services.dossier_resubmit(dossier=d, by=citizen, note="Đã nộp tại quầy")
    assert d.status == Status.SUBMITTED


def test_reject_intake(submitted, intake):
    d = services.dossier_reject_intake(dossier=submitted, by=intake, reason="Không thuộc thẩm quyền")
    assert d.status == Status.REJECTED and d.completed_at


def test_transfer_and_back(received, processor, other_agency, other_intake):
    d = services.dossier_transfer(dossier=received, by=processor, to_agency=other_agency)
    assert d.status == Status.TRANSFERRED and d.current_agency == other_agency
    # The receiving agency's official can no longer act; the other agency's can.
    with pytest.raises(DossierActionError, match="không có quyền thực hiện “Chuyển trả cơ quan tiếp nhận”"):
        services.dossier_transfer_back(dossier=d, by=processor)
    d = services.dossier_transfer_back(dossier=d, by=other_intake)
    assert d.status == Status.IN_PROCESSING and d.current_agency_id == d.agency_id


def test_approve_then_return(received, processor, intake):
    with pytest.raises(DossierActionError, match="Hãy tải lên văn bản kết quả"):
        services.dossier_approve(dossier=received, by=processor)
    d = services.dossier_approve(dossier=received, by=processor, result_file=pdf_upload("kq.pdf"))
    assert d.status == Status.RESULT_READY
    assert d.files.filter(kind=DossierFile.Kind.RESULT).count() == 1
    d = services.dossier_return_result(dossier=d, by=intake)
    assert d.status == Status.COMPLETED and d.completed_at


def test_paper_result(received, processor):
    d = services.dossier_approve(dossier=received, by=processor, paper_result=True)
    assert d.events.get(action="approve").data == {"paper_result": True}


def test_refuse(received, processor):
    d = services.dossier_refuse(dossier=received, by=processor, reason="Hồ sơ không hợp lệ")
    assert d.status == Status.REFUSED


def test_extend(received, processor):
    new_due = timezone.localtime(received.due_at).date() + dt.timedelta(days=10)
    with pytest.raises(DossierActionError, match="Ngày hẹn mới phải sau ngày hẹn hiện tại"):
        services.dossier_extend(dossier=received, by=processor, new_due=new_due - dt.timedelta(days=20), reason="x")
    d = services.dossier_extend(dossier=received, by=processor, new_due=new_due, reason="Cần xác minh")
    assert timezone.localtime(d.due_at).date() == new_due
    assert d.status == Status.IN_PROCESSING


def test_withdraw(received, citizen, other_citizen):
    with pytest.raises(DossierActionError, match="Hồ sơ này không phải của bạn"):
        services.dossier_withdraw(dossier=received, by=other_citizen)
    d = services.dossier_withdraw(dossier=received, by=citizen)
    assert d.status == Status.WITHDRAWN


ILLEGAL = [
    # (fixture, call)
    ("submitted", lambda d, u: services.dossier_approve(dossier=d, by=u["processor"], paper_result=True)),
    ("submitted", lambda d, u: services.dossier_refuse(dossier=d, by=u["processor"], reason="x")),
    ("submitted", lambda d, u: services.dossier_return_result(dossier=d, by=u["intake"])),
    ("submitted", lambda d, u: services.dossier_transfer(dossier=d, by=u["processor"], to_agency=u["other_agency"])),
    ("submitted", lambda d, u: services.dossier_transfer_back(dossier=d, by=u["processor"])),
    ("submitted", lambda d, u: services.dossier_resubmit(dossier=d, by=u["citizen"], note="x")),
    (
        "submitted",
        lambda d, u: services.dossier_extend(dossier=d, by=u["processor"], new_due=dt.date(2099, 1, 1), reason="x"),
    ),
    ("received", lambda d, u: services.dossier_reject_intake(dossier=d, by=u["intake"], reason="x")),
    ("completed", lambda d, u: services.dossier_receive(dossier=d, by=u["intake"])),
    ("completed", lambda d, u: services.dossier_request_supplement(dossier=d, by=u["intake"], missing="x")),
    ("completed", lambda d, u: services.dossier_withdraw(dossier=d, by=u["citizen"])),
    ("completed", lambda d, u: services.dossier_claim(dossier=d, by=u["processor"])),
    ("completed", lambda d, u: services.dossier_refuse(dossier=d, by=u["processor"], reason="x")),
]


@pytest.mark.parametrize(("state", "call"), ILLEGAL)
def test_illegal_moves_are_refused_with_a_message(request, state, call, intake, processor, citizen, other_agency):
    if state == "completed":
        d = request.getfixturevalue("received")
        d = services.dossier_approve(dossier=d, by=processor, paper_result=True)
        d = services.dossier_return_result(dossier=d, by=intake)
    else:
        d = request.getfixturevalue(state)
    before = (d.status, DossierEvent.objects.filter(dossier=d).count())
    users = {"intake": intake, "processor": processor, "citizen": citizen, "other_agency": other_agency}
    with pytest.raises(DossierActionError, match="bước này hiện không thực hiện được") as exc:
        call(d, users)
    assert exc.value.message
    d.refresh_from_db()
    assert (d.status, DossierEvent.objects.filter(dossier=d).count()) == before


def test_roles_are_enforced(submitted, processor, other_intake, citizen):
    with pytest.raises(DossierActionError, match="Bạn không có quyền thực hiện “Tiếp nhận hồ sơ” đối với hồ sơ này"):
        services.dossier_receive(dossier=submitted, by=processor)  # processing role cannot receive
    with pytest.raises(DossierActionError, match="Bạn không có quyền thực hiện “Tiếp nhận hồ sơ” đối với hồ sơ này"):
        services.dossier_receive(dossier=submitted, by=other_intake)  # other agency
    with pytest.raises(DossierActionError, match="Bạn không có quyền thực hiện “Tiếp nhận hồ sơ” đối với hồ sơ này"):
        services.dossier_receive(dossier=submitted, by=citizen)


def test_transition_guard_refuses_with_its_message(submitted, intake):
    def guard(*, dossier, action):
        return "Lệ phí chưa được thanh toán." if action == "receive" else None

    hooks.transition_guard_register(guard)
    try:
        with pytest.raises(DossierActionError, match="Lệ phí"):
            services.dossier_receive(dossier=submitted, by=intake)
    finally:
        hooks.transition_guards.remove(guard)


def test_transitioned_signal(submitted, intake):
    seen = []

    def receiver(sender, dossier, action, from_status, to_status, actor, **kw):
        seen.append((action, from_status, to_status, actor))

    dossier_transitioned.connect(receiver, weak=False, dispatch_uid="t2")
    try:
        services.dossier_receive(dossier=submitted, by=intake)
    finally:
        dossier_transitioned.disconnect(dispatch_uid="t2")
    assert seen == [("receive", Status.SUBMITTED, Status.IN_PROCESSING, intake)]


def test_claim_and_assign(submitted, intake, processor, leader, agency):
    d = services.dossier_claim(dossier=submitted, by=processor)
    assert d.assigned_to == processor
    with pytest.raises(DossierActionError, match=r"already|đang"):
        services.dossier_claim(dossier=d, by=intake)
    services.dossier_claim(dossier=d, by=processor)  # no-op
    with pytest.raises(DossierActionError, match="không có quyền thực hiện “Phân công cho cán bộ”"):
        services.dossier_assign(dossier=d, by=processor, official=intake)  # not a leader
    d = services.dossier_assign(dossier=d, by=leader, official=intake)
    assert d.assigned_to == intake
    outsider = official(AgencyFactory(code="X.1"), "processing")
    with pytest.raises(DossierActionError, match="không thuộc cơ quan này"):
        services.dossier_assign(dossier=d, by=leader, official=outsider)


def test_notifications_not_sent_on_rollback(pv, citizen, submitted, intake, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.dossier_receive(dossier=submitted, by=intake)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.outbox == []
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert not IssuedDocument.objects.filter(dossier=submitted).exists()
    from portal.models import Notification

    assert not Notification.objects.filter(event="dossier.receive").exists()


def test_notification_not_duplicated_on_retry(submitted, intake, django_capture_on_commit_callbacks):
    from portal.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        d = services.dossier_receive(dossier=submitted, by=intake)
    rows = Notification.objects.filter(event="dossier.receive", user=d.citizen, channel="email")
    assert rows.count() == 1
    sent = len([m for m in mail.outbox if "tiếp nhận" in m.subject.lower() or d.code in m.subject])
    from portal.tasks import notification_deliver_task

    notification_deliver_task(rows.get().pk)  # a retried task
    assert len([m for m in mail.outbox if "tiếp nhận" in m.subject.lower() or d.code in m.subject]) == sent


def test_new_dossier_notifies_intake_officials(pv, citizen, intake, django_capture_on_commit_callbacks):
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    services.dossier_draft_update(dossier=draft, by=citizen, form_data={"reason": "x"})
    services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=pdf_upload())
    with django_capture_on_commit_callbacks(execute=True):
        d = services.dossier_submit(dossier=draft, by=citizen)
    assert any(intake.email in m.to and d.code in m.subject for m in mail.outbox)


def test_deadlines_marked_once(received, processor, django_capture_on_commit_callbacks):
    type(received).objects.filter(pk=received.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.dossier_deadlines_mark()["overdue"] == 1
    assert services.dossier_deadlines_mark()["overdue"] == 0
    assert received.events.filter(action="overdue").count() == 1


def test_due_soon_marked(received):
    type(received).objects.filter(pk=received.pk).update(due_at=timezone.now() + dt.timedelta(hours=2))
    assert services.dossier_deadlines_mark()["due_soon"] == 1
    assert services.dossier_deadlines_mark()["due_soon"] == 0


def test_bundle_creates_parts_and_completes_with_them(citizen, agency, other_agency, intake, other_intake):
    pv = version(
        code="2.000001",
        name="Liên thông khai sinh, thường trú, BHYT",
        agencies=[agency],
        is_bundle=True,
        bundle_parts=[
            {"name": "Đăng ký khai sinh", "agency": {"id": agency.pk, "code": agency.code, "name": agency.name}},
            {
                "name": "Đăng ký thường trú",
                "agency": {"id": other_agency.pk, "code": other_agency.code, "name": other_agency.name},
            },
        ],
    )
    processor_a = official(agency, "processing")
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    services.dossier_draft_update(dossier=draft, by=citizen, form_data={"reason": "x"})
    services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=pdf_upload())
    parent = services.dossier_submit(dossier=draft, by=citizen)
    parts = list(parent.parts.order_by("pk"))
    assert [p.current_agency for p in parts] == [agency, other_agency]
    assert parent.current_agency is None
    assert len({parent.code, *[p.code for p in parts]}) == 3
    a, b = parts
    a = services.dossier_receive(dossier=a, by=intake)
    parent.refresh_from_db()
    assert parent.status == Status.IN_PROCESSING
    a = services.dossier_approve(dossier=a, by=processor_a, paper_result=True)
    services.dossier_return_result(dossier=a, by=intake)
    parent.refresh_from_db()
    assert parent.status == Status.IN_PROCESSING
    b = services.dossier_receive(dossier=b, by=other_intake)
    b = services.dossier_approve(dossier=b, by=other_intake, paper_result=True)
    services.dossier_return_result(dossier=b, by=other_intake)
    parent.refresh_from_db()
    assert parent.status == Status.COMPLETED


def test_a_bundle_s_notice_job_tells_the_intake_officials_of_each_part(
    citizen, agency, other_agency, intake, other_intake, django_capture_on_commit_callbacks
):
    from portal.models import Notification

    part = {"name": "Đăng ký thường trú", "agency": {"id": other_agency.pk, "code": other_agency.code, "name": "B"}}
    pv = version(code="2.000002", agencies=[agency], is_bundle=True, bundle_parts=[part])
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    services.dossier_draft_update(dossier=draft, by=citizen, form_data={"reason": "x"})
    services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=pdf_upload())
    with django_capture_on_commit_callbacks(execute=True):  # the job runs after the filing commits
        parent = services.dossier_submit(dossier=draft, by=citizen)
    (child,) = parent.parts.all()
    told = Notification.objects.filter(channel="inbox")
    assert told.filter(user=other_intake, subject__contains=child.code).exists()  # the part's agency
    assert not told.filter(user=intake, subject__contains=child.code).exists()
    assert told.filter(user=citizen, subject__contains=parent.code).exists()


def test_rating_after_completion(received, processor, intake, citizen):
    with pytest.raises(DossierActionError, match="Bạn có thể đánh giá khi hồ sơ đã giải quyết xong"):
        services.dossier_rate(dossier=received, by=citizen, score=5)
    d = services.dossier_approve(dossier=received, by=processor, paper_result=True)
    d = services.dossier_return_result(dossier=d, by=intake)
    rating = services.dossier_rate(dossier=d, by=citizen, score=4, comment="Nhanh")
    assert rating.score == 4


def test_sms_text_is_plain_and_follows_the_outbox_three_part_rule(
    citizen, settings, django_capture_on_commit_callbacks
):
    """The dossier's SMS is shortened once, by the outbox (3 parts, link kept), not cut at 160 first."""
    import json

    from dossiers.notify import notify

    long_text = "Hồ sơ 000.00.31.H57-260105-0001 đã được tiếp nhận. " * 5
    url = "http://127.0.0.1:8000/ho-so/1/"
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=citizen, subject="s", body="b", sms_text=long_text, url=url, event="dossier.receive")
    [record] = [json.loads(p.read_text()) for p in (settings.OUTBOX_DIR / "sms").glob("*.json")]
    text = record["text"]
    assert text.isascii() and "Ho so" in text and text.endswith(url)
    assert 160 < len(text) <= 3 * 153 and record["segments"] <= 3


def test_transfer_tells_the_other_agency(
    received, processor, other_agency, other_intake, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_transfer(dossier=received, by=processor, to_agency=other_agency)
    assert any(other_intake.email in m.to for m in mail.outbox)


def test_most_used_services_follow_the_dossiers_filed_lately(client, agency, citizen):
    """The home page's "most used services" are recounted from the dossiers of the last 90 days
    (the beat job); an old dossier no longer counts."""
    from catalog.models import Procedure

    from .factories import version

    marriage = version(code="1.000001", name="Xác nhận tình trạng hôn nhân", agencies=[agency])
    birth = version(code="1.001193", name="Đăng ký khai sinh", agencies=[agency])
    Procedure.objects.filter(pk=marriage.procedure_id).update(popularity=500)  # imported with the catalog
    assert services.procedure_popularity_refresh() == 0  # no dossier yet: imported values kept

    from identity.models import PersonalDocument

    form = PersonalDocument.objects.create(owner=citizen, doc_type="x", title="Tờ khai đã ký")

    def file(pv):
        return services.dossier_file_and_submit(
            citizen=citizen, procedure_version=pv, form_data={"reason": "x"}, documents=[("to-khai", form)]
        )

    for _ in range(3):
        file(birth)
    old = file(marriage)
    Dossier.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - dt.timedelta(days=120))
    file(marriage)

    assert services.procedure_popularity_refresh() == 2
    assert dict(Procedure.objects.values_list("code", "popularity")) == {"1.000001": 1, "1.001193": 3}
    page = client.get("/").content.decode()
    assert page.index("Đăng ký khai sinh") < page.index("Xác nhận tình trạng hôn nhân")
    assert services.procedure_popularity_refresh() == 0  # nothing changed since


def test_popularity_refresh_is_a_daily_beat_job(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["dossiers-popularity"]
    assert entry["task"] == "dossiers.tasks.procedure_popularity_refresh"
    assert entry["schedule"] <= 24 * 60 * 60


def test_a_paid_bundle_filed_in_one_step_stores_everything_it_needs(citizen, agency, other_agency, settings):
    """The API's filing sends the dossier row with its event, sync message and jobs in one
    statement on PostgreSQL (portal.rows.rows_together), after its id is taken: the rows written
    through the ORM in the same transaction that point at it — its document, its fees, the
    parts of a bundle and their events — are all stored with it."""
    from identity.models import PersonalDocument
    from integrations.models import SyncMessage
    from payments.models import Fee
    from portal.models import OutboxJob

    settings.NATIONAL_SYNC_ENABLED = True
    part = {"name": "Đăng ký thường trú", "agency": {"id": other_agency.pk, "code": other_agency.code, "name": "B"}}
    fees = [{"name": "Lệ phí", "kind": "fee", "amount": "50000", "note": ""}]
    pv = version(code="2.000003", agencies=[agency], is_bundle=True, bundle_parts=[part], fees=fees)
    form = PersonalDocument.objects.create(owner=citizen, doc_type="x", title="Tờ khai đã ký")
    dossier = services.dossier_file_and_submit(
        citizen=citizen, procedure_version=pv, form_data={"reason": "x"}, documents=[("to-khai", form)]
    )
    stored = Dossier.objects.get(pk=dossier.pk)
    assert stored.code == dossier.code and stored.status == Status.SUBMITTED
    assert [e.action for e in dossier.events.all()] == ["submit"] and dossier.events.all()[0].pk
    assert stored.events.count() == 1 and stored.files.get().personal_document == form
    assert Fee.objects.filter(dossier=stored).count() == 1
    (child,) = stored.parts.all()
    assert child.current_agency == other_agency and child.events.count() == 1
    assert SyncMessage.objects.filter(dossier_id=stored.pk).exists()
    assert OutboxJob.objects.filter(key=f"dossier-filed:{stored.pk}").exists()
