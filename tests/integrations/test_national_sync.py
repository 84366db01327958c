"""The national portal sync, driven against the built-in sandbox national portal over real HTTP
(the live test server): every status change arrives, in order, exactly once as far as the
receiver can tell, whatever the sandbox does in between."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from dossiers import services as dossier_services
from integrations import services
from integrations.models import SandboxNationalRecord, SyncMessage
from integrations.tasks import national_sync_due_task
from tests.dossiers.factories import PDF_BYTES

pytestmark = pytest.mark.django_db(transaction=True)

# submitted, received, supplements requested, supplemented, result ready, returned
LIFE_CODES = ["1", "2", "5", "2", "9", "10"]


def _file(pv, citizen):
    draft = dossier_services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    dossier_services.dossier_draft_update(dossier=draft, by=citizen, form_data={"reason": "Kết hôn"})
    upload = SimpleUploadedFile("to-khai.pdf", PDF_BYTES, content_type="application/pdf")
    dossier_services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=upload)
    return dossier_services.dossier_submit(dossier=draft, by=citizen)


def _life(pv, citizen, intake, processor):
    d = _file(pv, citizen)
    d = dossier_services.dossier_receive(dossier=d, by=intake)
    d = dossier_services.dossier_request_supplement(dossier=d, by=intake, missing="Bản sao giấy khai sinh")
    d = dossier_services.dossier_resubmit(dossier=d, by=citizen, note="Bản sao nộp tại quầy")
    result = SimpleUploadedFile("ket-qua.pdf", PDF_BYTES, content_type="application/pdf")
    d = dossier_services.dossier_approve(dossier=d, by=processor, result_file=result)
    return dossier_services.dossier_return_result(dossier=d, by=intake)


def _received(code):
    return list(SandboxNationalRecord.objects.filter(dossier_code=code).order_by("received_at", "id"))


def test_a_full_dossier_life_arrives_at_the_national_portal_in_order(national, pv, citizen, intake, processor):
    d = _life(pv, citizen, intake, processor)

    records = _received(d.code)
    assert [r.sequence for r in records] == [1, 2, 3, 4, 5, 6]
    assert [r.status_code for r in records] == LIFE_CODES
    assert not any(r.out_of_order for r in records)
    last = records[-1].payload
    assert last["MaHoSo"] == d.code
    assert last["MaTTHC"] == pv.snapshot["code"]
    assert last["MaCoQuan"] == "000.00.31.H57"
    assert last["ChuHoSo"] == citizen.full_name
    assert last["TenBuoc"] == "Đã trả kết quả"
    assert last["NgayTiepNhan"] and last["NgayHenTra"] and last["NgayKetThucXuLy"]
    assert [r["TenTepTin"] for r in last["DanhSachKetQua"]] == ["ket-qua.pdf"]
    # Each message carries its own id, the receiver's key to tell a repeat.
    assert len({r.message_id for r in records}) == 6
    assert set(SyncMessage.objects.filter(dossier=d).values_list("state", flat=True)) == {"sent"}
    # The sandbox's reconciliation counts see the dossier's latest status.
    assert national.counts() == [{"MaCoQuan": "000.00.31.H57", "TrangThaiHoSo": "10", "SoLuong": 1}]


def test_with_the_national_portal_failing_nothing_is_lost_and_the_order_holds(
    national, settings, pv, citizen, intake, processor
):
    settings.NATIONAL_SYNC_BACKOFF_SECONDS = 0  # every message is due again at once (no sleeping)
    national.control(fail_next=1000)

    d = _life(pv, citizen, intake, processor)

    # Down: nothing arrived, nothing overtook the first message, every message is kept with why.
    assert _received(d.code) == []
    rows = list(SyncMessage.objects.filter(dossier=d).order_by("sequence"))
    assert [m.state for m in rows] == ["pending"] * 6
    assert "HTTP 503" in rows[0].last_error
    assert rows[0].attempts == 6  # each change tried the first message again, and only it
    assert all(m.attempts == 0 for m in rows[1:])

    # Up again, after two more failures: the beat job sends everything, in order.
    national.control(fail_next=2)
    national_sync_due_task.delay()
    assert _received(d.code) == []
    national_sync_due_task.delay()
    national_sync_due_task.delay()
    records = _received(d.code)
    assert [r.sequence for r in records] == [1, 2, 3, 4, 5, 6]
    assert [r.status_code for r in records] == LIFE_CODES
    assert not any(r.out_of_order for r in records)
    assert set(SyncMessage.objects.filter(dossier=d).values_list("state", flat=True)) == {"sent"}


def test_a_failed_message_waits_longer_each_time(national, pv, citizen):
    national.control(fail_next=1000)
    d = _file(pv, citizen)
    message = SyncMessage.objects.get(dossier=d)
    assert message.attempts == 1  # tried once right after filing: next in 30 s
    waits = []
    for _attempt in range(3):
        SyncMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        before = timezone.now()
        services.sync_dossier_flush(dossier_id=d.pk)
        message.refresh_from_db()
        waits.append(round((message.next_attempt_at - before).total_seconds() / 30))
    assert waits == [2, 4, 8]  # then 60 s, 120 s, 240 s
    assert message.state == "pending"
    # Not due yet: the beat job does not send it.
    assert services.sync_due_dossiers() == []


def test_a_message_the_receiver_refuses_blocks_the_later_ones_until_an_operator_sends_it_again(
    national, settings, pv, citizen, intake
):
    national.control(fail_next=1, fail_status=400)
    d = _file(pv, citizen)
    dossier_services.dossier_receive(dossier=d, by=intake)
    first, second = SyncMessage.objects.filter(dossier=d).order_by("sequence")
    assert (first.state, second.state) == ("failed", "pending")
    assert "HTTP 400" in first.last_error
    assert _received(d.code) == []

    assert services.sync_resend(messages=[first], by=intake) == 2
    assert [r.sequence for r in _received(d.code)] == [1, 2]


def test_reconciliation_finds_and_resends_a_missing_message(national, pv, citizen, intake, processor, capsys):
    done = _life(pv, citizen, intake, processor)
    other = _file(pv, citizen)
    lost = SyncMessage.objects.get(dossier=done, sequence=6)
    assert national.control(forget=str(lost.message_id))["forgotten"] == 1
    assert [r.sequence for r in _received(done.code)] == [1, 2, 3, 4, 5]

    call_command("national_sync_reconcile")

    assert "different: 2" in capsys.readouterr().out  # returned: 1 vs 0; result ready: 0 vs 1
    assert [r.sequence for r in _received(done.code)] == [1, 2, 3, 4, 5, 6]
    assert [r.sequence for r in _received(other.code)] == [1]
    lost.refresh_from_db()
    assert lost.resent_by_reconciliation == 1
    # Nothing else was sent twice, and a second run finds nothing to do.
    assert set(SandboxNationalRecord.objects.values_list("times_received", flat=True)) == {1}
    run = services.sync_reconcile()
    assert (run.groups_different, run.messages_resent, run.error) == (0, 0, "")


def test_the_receiver_tells_a_repeated_message(national, pv, citizen):
    d = _file(pv, citizen)
    message = SyncMessage.objects.get(dossier=d)
    from integrations.adapters import adapter

    assert adapter().send(message.payload)["duplicate"] is True
    assert SandboxNationalRecord.objects.get(message_id=str(message.message_id)).times_received == 2


def test_a_wrong_token_is_refused_and_the_message_waits(national, settings, pv, citizen):
    settings.NATIONAL_SYNC_TOKEN = "not-the-token"
    d = _file(pv, citizen)
    message = SyncMessage.objects.get(dossier=d)
    assert message.state == "failed"
    assert "HTTP 401" in message.last_error


def test_reconciliation_reports_an_unreachable_portal(settings, pv, citizen):
    settings.NATIONAL_SYNC_ENABLED = True
    settings.NATIONAL_SYNC_URL = "http://127.0.0.1:1/api/"
    _file(pv, citizen)
    run = services.sync_reconcile()
    assert "ConnectionError" in run.error
    assert SyncMessage.objects.get().next_attempt_at > timezone.now() - timedelta(seconds=1)
