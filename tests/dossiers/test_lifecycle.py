"""The lifecycle table (dossiers/lifecycle.py) and the rules of Decree 118/2025 it carries.

The walk: every action × every state × every role, through the one dispatcher. Allowed by the
table → it succeeds (reaching the table's target) or is refused only for an input or a legal
reason; not allowed → DossierActionError with a Vietnamese message."""

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dossiers import hooks, services
from dossiers.lifecycle import ACTIONS, CITIZEN, FINAL_STATUSES, actions_available
from dossiers.models import Dossier, DossierEvent, DossierFile, IssuedDocument, Status
from dossiers.services import DossierActionError
from identity.roles import CASHIER, INTAKE, LEADER, PROCESSING

from .conftest import pdf_upload
from .factories import DossierFactory, official, version

VIETNAMESE = set("àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđĐ")

# Refusals that are legal or input reasons, allowed for a role and state the table allows.
LEGAL_REFUSALS = {
    # one-step approval is not for a procedure whose results the head signs
    "approve": "do thủ trưởng cơ quan ký duyệt",
    "refuse": "do thủ trưởng cơ quan ký duyệt",
}


def _is_vietnamese(message: str) -> bool:
    return bool(VIETNAMESE & set(message))


@pytest.fixture
def walk_world(agency, other_agency, citizen):
    # certified_copy: the walk also takes "certify_copy" (the procedure flag is its only legal limit)
    pv = version(code="1.000777", agencies=[agency], needs_signoff=True, certified_copy=True)
    people = {
        "intake": official(agency, INTAKE),
        "processing": official(agency, PROCESSING),
        "leader": official(agency, LEADER),
        "cashier": official(agency, CASHIER),
        "citizen": citizen,
    }
    return pv, people


def _dossier_in(state, *, pv, agency, citizen, proposer) -> Dossier:
    now = timezone.now()
    received = state not in (Status.DRAFT, Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED)
    d = DossierFactory(
        status=state,
        citizen=citizen,
        procedure_version=pv,
        agency=agency,
        current_agency=agency,
        code=None if state == Status.DRAFT else f"000.00.31.H57-261130-{Dossier.objects.count() + 1:04d}",
        received_at=now - dt.timedelta(days=1) if received else None,
        due_at=now + dt.timedelta(days=5) if received else None,
        legal_due_at=now + dt.timedelta(days=5) if received else None,
        completed_at=now if state in (Status.COMPLETED, Status.REFUSED, Status.REJECTED, Status.STOPPED) else None,
    )
    if state == Status.DRAFT:
        Dossier.objects.filter(pk=d.pk).update(form_data={"reason": "Kết hôn"})
        DossierFile.objects.create(
            dossier=d, doc_key="to-khai", original_name="to-khai.pdf", content_type="application/pdf", size=10
        )
    if state == Status.AWAITING_SIGNOFF:
        DossierEvent.objects.create(
            dossier=d, actor=proposer, action="propose_approve", from_status=Status.IN_PROCESSING, to_status=state
        )
    return d


def _inputs(action, *, people, other_agency):
    return {
        "request_supplement": {"missing": "Bản sao giấy khai sinh"},
        "resubmit": {"note": "Đã bổ sung"},
        "reject_intake": {"reason": "Không thuộc thẩm quyền"},
        "transfer": {"to_agency": other_agency},
        "propose_approve": {"paper_result": True},
        "propose_refuse": {"reason": "Không đủ điều kiện"},
        "send_back": {"comment": "Sửa lại dự thảo"},
        "approve": {"paper_result": True},
        "refuse": {"reason": "Không đủ điều kiện"},
        "extend": {"new_due": timezone.localdate() + dt.timedelta(days=60), "reason": "Cần xác minh"},
        "stop": {"reason": "Người nộp đề nghị dừng"},
        "withdraw": {"reason": "Không cần nữa"},
        "assign": {"official": people["processing"]},
    }.get(action, {})


def _call(action, *, dossier, by, inputs):
    if action == "rate":
        return services.dossier_rate(dossier=dossier, by=by, score=5)
    if action == "submit":
        return services.dossier_submit(dossier=dossier, by=by)
    if action == "certify_copy":
        scan = DossierFile.objects.create(
            dossier=dossier, doc_key="to-khai", original_name="ban-chinh.pdf", content_type="application/pdf", size=10
        )
        inputs = {"file_id": scan.pk, "compared": True}
    return services.dossier_act(dossier=dossier, by=by, action=action, **inputs)


@pytest.mark.parametrize("action", list(ACTIONS))
def test_walk_every_action_state_and_role(action, walk_world, agency, other_agency, citizen):
    pv, people = walk_world
    spec = ACTIONS[action]
    outcomes = {"done": 0, "refused": 0}
    for state in Status:
        for role, user in people.items():
            allowed_role = role == "citizen" if spec.actor == CITIZEN else role in spec.roles
            allowed = allowed_role and state in spec.sources
            with transaction.atomic():
                d = _dossier_in(state, pv=pv, agency=agency, citizen=citizen, proposer=people["processing"])
                inputs = _inputs(action, people=people, other_agency=other_agency)
                events_before = d.events.count()
                try:
                    result = _call(action, dossier=d, by=user, inputs=inputs)
                except DossierActionError as exc:
                    assert _is_vietnamese(exc.message), (action, state, role, exc.message)
                    if allowed:
                        reason = LEGAL_REFUSALS.get(action)
                        assert reason is not None and reason in exc.message, (action, state, role, exc.message)
                    outcomes["refused"] += 1
                else:
                    if not allowed:
                        # Only an idempotent repeat (e.g. a double click) by someone who may take
                        # the action is answered without a refusal, and it writes nothing.
                        assert allowed_role, f"{action} from {state} by {role} should have been refused"
                        assert state == spec.target or action == "submit", (action, state, role)
                        d.refresh_from_db()
                        assert d.status == state and d.events.count() == events_before, (action, state, role)
                    else:
                        d.refresh_from_db()
                        if spec.target is not None:
                            assert d.status == spec.target, (action, state, role)
                        assert result is not None
                        outcomes["done"] += 1
                transaction.set_rollback(True)
    assert outcomes["done"] > 0 and outcomes["refused"] > 0


def test_actions_available_follow_the_table(walk_world, agency, citizen):
    pv, people = walk_world
    d = _dossier_in(Status.IN_PROCESSING, pv=pv, agency=agency, citizen=citizen, proposer=people["processing"])
    names = lambda user: [a.name for a in actions_available(user=user, dossier=d)]  # noqa: E731
    assert {"propose_approve", "propose_refuse", "extend", "stop"} <= set(names(people["processing"]))
    # The head's sign-off is needed: the processing official is not offered the one-step outcome.
    assert "approve" not in names(people["processing"]) and "approve" in names(people["leader"])
    assert names(people["citizen"]) == ["withdraw"]
    assert str(ACTIONS["approve"].label) == "Phê duyệt kết quả"
    assert str(ACTIONS["refuse"].label) == "Từ chối giải quyết"


# --- Decree 118/2025 rules --------------------------------------------------------------------


def _resubmit(d, citizen):
    return services.dossier_resubmit(dossier=d, by=citizen, note="Đã bổ sung đủ")


def test_supplements_are_requested_once_during_processing(submitted, intake, processor, citizen):
    # The intake's request before receipt is separate…
    d = services.dossier_request_supplement(dossier=submitted, by=intake, missing="Tờ khai")
    d = _resubmit(d, citizen)
    d = services.dossier_receive(dossier=d, by=intake)
    # … from the one request allowed during processing.
    d = services.dossier_request_supplement(dossier=d, by=processor, missing="Ảnh\nGiấy xác nhận")
    d = _resubmit(d, citizen)
    assert d.status == Status.IN_PROCESSING
    with pytest.raises(DossierActionError, match="chỉ cho phép yêu cầu một lần"):
        services.dossier_request_supplement(dossier=d, by=processor, missing="Thêm một giấy nữa")
    d.refresh_from_db()
    assert d.status == Status.IN_PROCESSING


def test_apology_only_before_the_due_date_and_once_legal_due_date_kept(received, processor):
    legal = received.legal_due_at
    assert legal == received.due_at
    new_due = timezone.localtime(received.due_at).date() + dt.timedelta(days=10)
    d = services.dossier_extend(dossier=received, by=processor, new_due=new_due, reason="Cần xác minh")
    assert timezone.localtime(d.due_at).date() == new_due and d.legal_due_at == legal
    with pytest.raises(DossierActionError, match="chỉ được đặt một lần"):
        services.dossier_extend(dossier=d, by=processor, new_due=new_due + dt.timedelta(days=5), reason="Lần hai")


def test_apology_after_the_due_date_is_refused(received, processor):
    Dossier.objects.filter(pk=received.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(DossierActionError, match="phải được ban hành trước khi đến hạn"):
        services.dossier_extend(
            dossier=received, by=processor, new_due=timezone.localdate() + dt.timedelta(days=10), reason="Trễ"
        )
    assert not received.events.filter(action="extend").exists()


def test_the_timeline_shows_the_legal_and_the_promised_date(client, received, processor, citizen):
    new_due = timezone.localtime(received.due_at).date() + dt.timedelta(days=10)
    services.dossier_extend(dossier=received, by=processor, new_due=new_due, reason="Cần xác minh")
    client.force_login(citizen)
    page = client.get(reverse("dossiers:detail", args=[received.pk])).content.decode()
    assert "Hạn giải quyết theo quy định" in page and "Ngày hẹn trả kết quả" in page
    assert timezone.localtime(received.legal_due_at).strftime("%d/%m/%Y") in page
    assert new_due.strftime("%d/%m/%Y") in page


def test_the_clock_stops_while_waiting_for_supplements(received, processor, agency):
    from dossiers.indicators import agency_indicators
    from dossiers.selectors import queue_filter
    from dossiers.services import dossier_deadlines_mark
    from dossiers.templatetags.dossier_tags import is_overdue

    d = services.dossier_request_supplement(dossier=received, by=processor, missing="Tờ khai")
    past = timezone.now() - dt.timedelta(days=1)
    Dossier.objects.filter(pk=d.pk).update(due_at=past, legal_due_at=past)
    d.refresh_from_db()
    all_ = Dossier.objects.all()
    assert not queue_filter(all_, "overdue").exists() and not queue_filter(all_, "due_soon").exists()
    assert not is_overdue(d)
    assert dossier_deadlines_mark() == {"due_soon": 0, "overdue": 0}
    assert not d.events.filter(action="overdue").exists()
    today = timezone.localdate()
    row = next(r for r in agency_indicators(agency_ids=[agency.pk], start=today, end=today) if not r.is_total)
    assert row.overdue_now == 0
    # The same dossier with its clock running is overdue everywhere.
    Dossier.objects.filter(pk=d.pk).update(status=Status.IN_PROCESSING)
    assert queue_filter(all_, "overdue").count() == 1
    assert dossier_deadlines_mark()["overdue"] == 1


def test_stop_notice_form_05_with_its_reason(received, processor, django_capture_on_commit_callbacks):
    with pytest.raises(DossierActionError, match="Hãy nêu lý do"):
        services.dossier_stop(dossier=received, by=processor, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        d = services.dossier_act(dossier=received, by=processor, action="stop", reason="Người nộp đề nghị dừng")
    assert d.status == Status.STOPPED and d.status in FINAL_STATUSES
    event = d.events.get(action="stop")
    assert event.note == "Người nộp đề nghị dừng"
    assert IssuedDocument.objects.filter(dossier=d, kind=IssuedDocument.Kind.STOP, event=event).exists()


@pytest.fixture
def chain(agency, citizen, intake):
    pv = version(code="1.000888", agencies=[agency], needs_signoff=True)
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    services.dossier_draft_update(dossier=draft, by=citizen, form_data={"reason": "Kết hôn"})
    services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=pdf_upload())
    d = services.dossier_submit(dossier=draft, by=citizen)
    return services.dossier_receive(dossier=d, by=intake)


def test_approval_chain_proposal_send_back_and_sign_off(chain, processor, leader, django_capture_on_commit_callbacks):
    with pytest.raises(DossierActionError, match="do thủ trưởng cơ quan ký duyệt"):
        services.dossier_approve(dossier=chain, by=processor, paper_result=True)
    d = services.dossier_propose_approve(dossier=chain, by=processor, result_file=pdf_upload("du-thao.pdf"))
    assert d.status == Status.AWAITING_SIGNOFF
    with pytest.raises(DossierActionError, match="không có quyền thực hiện “Ký duyệt”"):
        services.dossier_sign_off(dossier=d, by=processor)
    with pytest.raises(DossierActionError, match="Hãy nêu nội dung cần xử lý lại"):
        services.dossier_send_back(dossier=d, by=leader, comment="")
    d = services.dossier_send_back(dossier=d, by=leader, comment="Sửa ngày cấp")
    assert d.status == Status.IN_PROCESSING and d.events.get(action="send_back").note == "Sửa ngày cấp"
    assert d.assigned_to == processor
    d = services.dossier_propose_approve(dossier=d, by=processor, paper_result=True)
    with django_capture_on_commit_callbacks(execute=True):
        d = services.dossier_act(dossier=d, by=leader, action="sign_off", note="Đồng ý")
    assert d.status == Status.RESULT_READY
    sign = d.events.get(action="sign_off")
    assert sign.actor == leader and sign.data["proposed_by"] == processor.pk
    assert IssuedDocument.objects.filter(dossier=d, kind=IssuedDocument.Kind.RESULT, event=sign).exists()


def test_a_proposed_refusal_is_issued_by_the_head(chain, processor, leader):
    d = services.dossier_propose_refuse(dossier=chain, by=processor, reason="Không đủ điều kiện")
    d = services.dossier_sign_off(dossier=d, by=leader)
    assert d.status == Status.REFUSED and d.completed_at
    assert "Không đủ điều kiện" in d.events.get(action="sign_off").note


def test_one_step_procedures_need_no_proposal(received, processor):
    with pytest.raises(DossierActionError, match="không cần ký duyệt"):
        services.dossier_propose_approve(dossier=received, by=processor, paper_result=True)
    assert services.dossier_approve(dossier=received, by=processor, paper_result=True).status == Status.RESULT_READY


def test_needs_signoff_is_in_the_catalog_and_the_snapshot(db):
    from catalog.models import Procedure
    from catalog.snapshot import procedure_snapshot
    from tests.catalog.factories import FieldFactory

    p = Procedure.objects.create(
        code="9.1", name="X", field=FieldFactory(), level="commune", online_level="full", processing_time_value=3
    )
    assert p.needs_signoff is True
    assert procedure_snapshot(p)["needs_signoff"] is True


# --- Liên thông in order -------------------------------------------------------------------------


@pytest.fixture
def bundle(agency, other_agency, citizen):
    third = official(other_agency, INTAKE, PROCESSING)
    ref = lambda a: {"id": a.pk, "code": a.code, "name": a.name}  # noqa: E731
    pv = version(
        code="2.000002",
        name="Liên thông khai sinh, thường trú, BHYT",
        agencies=[agency],
        is_bundle=True,
        bundle_parts=[
            {"name": "Đăng ký khai sinh", "agency": ref(agency)},
            {"name": "Đăng ký thường trú", "agency": ref(other_agency)},
            {"name": "Cấp thẻ BHYT", "agency": ref(other_agency), "parallel": True},
        ],
    )
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    services.dossier_draft_update(dossier=draft, by=citizen, form_data={"reason": "x"})
    services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=pdf_upload())
    parent = services.dossier_submit(dossier=draft, by=citizen)
    return parent, list(parent.parts.order_by("pk")), third


def test_bundle_parts_start_in_order_and_pass_the_result_on(bundle, intake, processor):
    _parent, (birth, residence, insurance), other = bundle
    with pytest.raises(DossierActionError, match=f"phần trước \\({birth.code}\\) đã có kết quả"):
        services.dossier_receive(dossier=residence, by=other)
    # A part declared parallel does not wait.
    services.dossier_receive(dossier=insurance, by=other)
    birth = services.dossier_receive(dossier=birth, by=intake)
    birth = services.dossier_approve(dossier=birth, by=processor, result_file=pdf_upload("giay-khai-sinh.pdf"))
    attached = residence.files.get(kind=DossierFile.Kind.RESULT)
    assert attached.doc_key == f"bundle-previous:{birth.code}" and attached.original_name == "giay-khai-sinh.pdf"
    assert residence.events.filter(action="bundle_previous_result").exists()
    residence = services.dossier_receive(dossier=residence, by=other)
    assert residence.status == Status.IN_PROCESSING


def test_the_citizen_sees_where_the_bundle_is(client, bundle, citizen, intake):
    parent, (birth, _residence, _insurance), _other = bundle
    services.dossier_receive(dossier=birth, by=intake)
    client.force_login(citizen)
    page = client.get(reverse("dossiers:detail", args=[parent.pk])).content.decode()
    assert "Tiến độ hồ sơ liên thông" in page
    assert "Đăng ký khai sinh" in page and "Đăng ký thường trú" in page
    assert "bước hiện tại" in page and "chờ phần trước có kết quả" in page


# --- One transaction each, parts first ----------------------------------------------------------


def test_withdrawing_a_bundle_is_all_or_nothing(bundle, citizen, intake):
    parent, parts, _other = bundle
    last = parts[-1]

    def guard(*, dossier, action):
        if action == "withdraw" and dossier.pk == last.pk:
            return "Phần này đang được xử lý, không thể rút."
        return None

    hooks.transition_guard_register(guard)
    try:
        with pytest.raises(DossierActionError, match="không thể rút"):
            services.dossier_withdraw(dossier=parent, by=citizen, reason="Đổi ý")
    finally:
        hooks.transition_guards.remove(guard)
    statuses = dict(Dossier.objects.filter(pk__in=[parent.pk, *[p.pk for p in parts]]).values_list("pk", "status"))
    assert set(statuses.values()) == {Status.SUBMITTED}
    assert not DossierEvent.objects.filter(action="withdraw").exists()
    d = services.dossier_withdraw(dossier=parent, by=citizen, reason="Đổi ý")
    assert d.status == Status.WITHDRAWN
    assert set(d.parts.values_list("status", flat=True)) == {Status.WITHDRAWN}
    # Parts first, then the bundle: the bundle's own event is the last one.
    last_event = DossierEvent.objects.filter(action="withdraw").order_by("-id").first()
    assert last_event.dossier_id == parent.pk


def test_resubmit_is_one_transaction_with_its_notification(received, processor, citizen, monkeypatch):
    from dossiers.services import transitions

    d = services.dossier_request_supplement(dossier=received, by=processor, missing="Tờ khai")

    def broken(**kwargs):
        raise DossierActionError("Không gửi được thông báo.")

    monkeypatch.setattr(transitions, "officials_notify", broken)
    with pytest.raises(DossierActionError, match="Không gửi được thông báo"):
        _resubmit(d, citizen)
    d.refresh_from_db()
    assert d.status == Status.SUPPLEMENT_REQUESTED and not d.events.filter(action="resubmit").exists()


# --- Indicators -----------------------------------------------------------------------------------


def test_a_late_apology_no_longer_turns_late_into_on_time(received, processor, intake, agency):
    from dossiers.indicators import agency_indicators

    past = timezone.now() - dt.timedelta(hours=2)
    Dossier.objects.filter(pk=received.pk).update(due_at=past, legal_due_at=past)
    with pytest.raises(DossierActionError, match="trước khi đến hạn"):
        services.dossier_extend(
            dossier=received, by=processor, new_due=timezone.localdate() + dt.timedelta(days=3), reason="Xin lỗi"
        )
    d = services.dossier_approve(dossier=received, by=processor, paper_result=True)
    services.dossier_return_result(dossier=d, by=intake)
    today = timezone.localdate()
    row = next(r for r in agency_indicators(agency_ids=[agency.pk], start=today, end=today) if not r.is_total)
    assert (row.resolved, row.on_time) == (1, 0)


def test_on_time_compares_with_the_legal_due_date_not_the_promised_one(received, processor, intake, agency):
    from dossiers.indicators import agency_indicators

    d = services.dossier_approve(dossier=received, by=processor, paper_result=True)
    d = services.dossier_return_result(dossier=d, by=intake)
    # Completed after the legal due date, before a (later) promised date: late.
    Dossier.objects.filter(pk=d.pk).update(
        legal_due_at=d.completed_at - dt.timedelta(hours=1), due_at=d.completed_at + dt.timedelta(days=3)
    )
    today = timezone.localdate()
    row = next(r for r in agency_indicators(agency_ids=[agency.pk], start=today, end=today) if not r.is_total)
    assert (row.resolved, row.on_time) == (1, 0)


def test_the_indicator_page_states_each_formula(client, leader):
    from tests.support.mfa import staff_login

    staff_login(client, leader)
    page = client.get(reverse("admin:dossiers_dossier_indicators")).content.decode()
    assert "hạn giải quyết theo quy định" in page
    assert "không tính hồ sơ đang chờ công dân bổ sung" in page


# --- Data migration -----------------------------------------------------------------------------


def test_the_data_migration_takes_the_current_due_date_as_the_legal_one(received):
    import importlib

    from django.apps import apps

    Dossier.objects.filter(pk=received.pk).update(legal_due_at=None)
    migration = importlib.import_module("dossiers.migrations.0008_legal_due_date_signoff_stop")
    migration.legal_due_from_due(apps, None)
    received.refresh_from_db()
    assert received.legal_due_at == received.due_at is not None


# --- The admin panel reads the table -------------------------------------------------------------


def test_the_panel_offers_what_the_service_allows(client, submitted, intake, processor):
    from tests.support.mfa import staff_login

    # Before receipt, a dossier waiting for the intake's supplements may still be rejected at
    # intake: the service always allowed it, the old panel did not offer it.
    d = services.dossier_request_supplement(dossier=submitted, by=intake, missing="Tờ khai")
    staff_login(client, intake)
    page = client.get(reverse("admin:dossiers_dossier_change", args=[d.pk])).content.decode()
    assert 'id="action-reject_intake"' in page
    assert "Từ chối tiếp nhận hồ sơ" in page
    assert 'name="confirm" value="yes" required' in page  # destructive: the official confirms
    assert "Chỉ trước khi hồ sơ được tiếp nhận." in page  # the legal limit, next to the action
