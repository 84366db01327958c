"""THE mapping of the national portal sync (Cổng Dịch vụ công quốc gia, DVCQG): the field names
of the JSON the adapter sends and the status code of every dossier change. One table, one place,
so an operator holding the real integration specification (issued to a province with its LGSP/NGSP
credentials, not public) edits this module only. docs/national-sync.md says which parts are
verified and which are assumptions (at the time of writing: the codes below are assumptions).

A status change is looked up by (DossierEvent action, to_status); an action not listed falls back
to its to_status alone ("*"). Every status of dossiers/lifecycle.py has a fallback row (a test
checks it).
"""

from dataclasses import dataclass

ANY = "*"


@dataclass(frozen=True)
class NationalStatus:
    code: str  # TrangThaiHoSo sent to the national portal (assumption, see docs/national-sync.md)
    step: str  # the timeline step (TenBuoc), in Vietnamese as the national portal shows it


# (action, to_status) -> NationalStatus. Keep it sorted by the life of a dossier.
STATUS_MAP: dict[tuple[str, str], NationalStatus] = {
    ("submit", "submitted"): NationalStatus("1", "Mới đăng ký"),
    ("resubmit", "submitted"): NationalStatus("1", "Đã bổ sung hồ sơ"),
    ("receive", "in_processing"): NationalStatus("2", "Đã tiếp nhận"),
    ("resubmit", "in_processing"): NationalStatus("2", "Đã bổ sung hồ sơ"),
    ("claim", "in_processing"): NationalStatus("3", "Đang xử lý"),
    ("assign", "in_processing"): NationalStatus("3", "Đang xử lý"),
    ("transfer", "transferred"): NationalStatus("3", "Chuyển cơ quan khác xử lý"),
    ("transfer_back", "in_processing"): NationalStatus("3", "Đang xử lý"),
    ("request_supplement", "supplement_requested"): NationalStatus("5", "Yêu cầu bổ sung hồ sơ"),
    ("extend", "in_processing"): NationalStatus("3", "Gia hạn xử lý"),
    ("overdue", "in_processing"): NationalStatus("3", "Quá hạn xử lý"),
    ("propose_approve", "awaiting_signoff"): NationalStatus("4", "Chờ lãnh đạo phê duyệt"),
    ("propose_refuse", "awaiting_signoff"): NationalStatus("4", "Chờ lãnh đạo phê duyệt"),
    ("send_back", "in_processing"): NationalStatus("3", "Lãnh đạo trả lại để xử lý lại"),
    ("sign_off", "result_ready"): NationalStatus("9", "Có kết quả, chờ trả"),
    ("sign_off", "refused"): NationalStatus("6", "Từ chối giải quyết"),
    ("approve", "result_ready"): NationalStatus("9", "Có kết quả, chờ trả"),
    ("certify_copy", "result_ready"): NationalStatus("9", "Đã chứng thực bản sao, chờ trả"),
    ("return_result", "completed"): NationalStatus("10", "Đã trả kết quả"),
    ("reject_intake", "rejected"): NationalStatus("6", "Từ chối tiếp nhận"),
    ("refuse", "refused"): NationalStatus("6", "Từ chối giải quyết"),
    ("withdraw", "withdrawn"): NationalStatus("7", "Công dân rút hồ sơ"),
    ("stop", "stopped"): NationalStatus("8", "Dừng xử lý"),
    # Fallbacks by status (an action not listed above, e.g. a bundle following its parts).
    (ANY, "submitted"): NationalStatus("1", "Mới đăng ký"),
    (ANY, "in_processing"): NationalStatus("3", "Đang xử lý"),
    (ANY, "supplement_requested"): NationalStatus("5", "Yêu cầu bổ sung hồ sơ"),
    (ANY, "transferred"): NationalStatus("3", "Chuyển cơ quan khác xử lý"),
    (ANY, "result_ready"): NationalStatus("9", "Có kết quả, chờ trả"),
    (ANY, "completed"): NationalStatus("10", "Đã trả kết quả"),
    (ANY, "rejected"): NationalStatus("6", "Từ chối tiếp nhận"),
    (ANY, "refused"): NationalStatus("6", "Từ chối giải quyết"),
    (ANY, "withdrawn"): NationalStatus("7", "Công dân rút hồ sơ"),
    (ANY, "awaiting_signoff"): NationalStatus("4", "Chờ lãnh đạo phê duyệt"),
    (ANY, "stopped"): NationalStatus("8", "Dừng xử lý"),
}

# Changes that are not status changes for the national portal (nothing is sent).
NOT_SYNCED: frozenset[str] = frozenset({"draft", "change", "consent", "rate"})


def national_status(*, action: str, to_status: str) -> NationalStatus | None:
    """The national status of a change, or None when the change is not synced."""
    if action in NOT_SYNCED or not to_status or to_status == "draft":
        return None
    return STATUS_MAP.get((action, to_status)) or STATUS_MAP.get((ANY, to_status))


# Field names of the sync message (the body POSTed to the national portal), ours -> theirs.
FIELDS: dict[str, str] = {
    "message_id": "MaThongDiep",  # the receiver dedupes on it
    "sequence": "SoThuTu",  # per dossier, 1, 2, 3... in the order of the changes
    "dossier_code": "MaHoSo",
    "procedure_code": "MaTTHC",
    "agency_code": "MaCoQuan",
    "applicant_name": "ChuHoSo",
    "applicant_id": "SoGiayToChuHoSo",
    "applicant_birth_date": "NgaySinhChuHoSo",
    "received_at": "NgayTiepNhan",
    "due_at": "NgayHenTra",
    "completed_at": "NgayKetThucXuLy",
    "status_code": "TrangThaiHoSo",
    "step_name": "TenBuoc",
    "step_action": "MaBuoc",
    "step_at": "ThoiDiemXuLy",
    "channel": "KenhNop",
    "fees": "DanhSachLePhi",
    "fee_name": "TenPhiLePhi",
    "fee_amount": "SoTien",
    "results": "DanhSachKetQua",
    "result_ref": "MaGiayTo",
    "result_name": "TenTepTin",
}
# Dates: the national portal's format (assumption: yyyyMMddHHmmss, Vietnam time).
DATE_FORMAT = "%Y%m%d%H%M%S"
# Channel codes (assumption): 1 online, 2 at the counter, 3 by post, 4 mobile team.
CHANNELS = {"online": "1", "counter": "2", "post": "3", "mobile_team": "4"}
# The reconciliation answer's keys.
COUNT_FIELDS = {"agency_code": "MaCoQuan", "status_code": "TrangThaiHoSo", "count": "SoLuong"}
