# ruff: noqa: E501 -- long Vietnamese catalog texts read better unwrapped
"""Demo catalog of Tỉnh Vĩnh Long (merged on 2025-07-01 from Vĩnh Long, Bến Tre and Trà Vinh),
in the import format of catalog/transfer.py. Procedure names, documents, fees, times and legal
bases follow the national procedure database; codes marked with a real national code where
known (1.001193, 1.000894, 1.000656, 2.000488, 1.004194, 1.004222 …), others are plausible.

Parents are the real ones (the header of every issued document prints them): the provincial
People's Committee is the parent of its office, departments, service centre and of the commune
People's Committees; the provincial police and social insurance answer to central bodies that
are not in this catalog (no parent); commune police answer to the provincial police.

Unit codes follow the dossier-code prefix format `AAA.BB.CC.H62`:
  H62 = the province; CC = the unit type (00 the provincial People's Committee, 01 its office,
  02 public-administration service centre, 1x provincial departments, 20 provincial police,
  21 provincial social insurance, 31 commune People's Committee, 32 commune police);
  BB = the commune's number within the demo (00 for province-level units).
"""

HOURS = "Thứ Hai – Thứ Sáu: sáng 7:00 – 11:30, chiều 13:30 – 17:00"
HOURS_SAT = "Thứ Hai – Thứ Sáu: 7:00 – 11:30, 13:30 – 17:00; Thứ Bảy: 7:00 – 11:30"
PROVINCE = 86

PROVINCE_AGENCIES = [
    # code, name, short name, address, phone
    ("000.00.00.H62", "Ủy ban nhân dân tỉnh Vĩnh Long", "UBND tỉnh Vĩnh Long",
     "Số 88 đường Hoàng Thái Hiếu, Phường Thanh Đức, tỉnh Vĩnh Long", "0270 3822 100", 29590),
    ("000.00.01.H62", "Văn phòng Ủy ban nhân dân tỉnh Vĩnh Long", "Văn phòng UBND tỉnh",
     "Số 88 đường Hoàng Thái Hiếu, Phường Thanh Đức, tỉnh Vĩnh Long", "0270 3822 123", 29590),
    ("000.00.02.H62", "Trung tâm Phục vụ hành chính công tỉnh Vĩnh Long", "Trung tâm PVHCC tỉnh",
     "Số 12C đường Hoàng Thái Hiếu, Phường Thanh Đức, tỉnh Vĩnh Long", "0270 3836 789", 29590),
    ("000.00.11.H62", "Sở Tư pháp tỉnh Vĩnh Long", "Sở Tư pháp",
     "Số 103 đường Trần Phú, Phường Long Châu, tỉnh Vĩnh Long", "0270 3823 456", 29551),
    ("000.00.12.H62", "Sở Xây dựng tỉnh Vĩnh Long", "Sở Xây dựng",
     "Số 4 đường Hưng Đạo Vương, Phường Long Châu, tỉnh Vĩnh Long", "0270 3822 345", 29551),
    ("000.00.13.H62", "Sở Công Thương tỉnh Vĩnh Long", "Sở Công Thương",
     "Số 116 đường 30/4, Phường Bến Tre, tỉnh Vĩnh Long", "0275 3822 890", 28789),
    ("000.00.14.H62", "Sở Y tế tỉnh Vĩnh Long", "Sở Y tế",
     "Số 47 đường Lê Văn Tám, Phường Thanh Đức, tỉnh Vĩnh Long", "0270 3822 234", 29590),
    ("000.00.15.H62", "Sở Nội vụ tỉnh Vĩnh Long", "Sở Nội vụ",
     "Số 1 đường Nguyễn Đáng, Phường Trà Vinh, tỉnh Vĩnh Long", "0294 3862 456", 29242),
    ("000.00.16.H62", "Sở Tài chính tỉnh Vĩnh Long", "Sở Tài chính",
     "Số 35 đường Lê Lợi, Phường Thanh Đức, tỉnh Vĩnh Long", "0270 3823 567", 29590),
    ("000.00.20.H62", "Công an tỉnh Vĩnh Long", "Công an tỉnh",
     "Số 90 đường Phạm Thái Bường, Phường Thanh Đức, tỉnh Vĩnh Long", "069 2 898 201", 29590),
    ("000.00.21.H62", "Bảo hiểm xã hội tỉnh Vĩnh Long", "BHXH tỉnh",
     "Số 40 đường Phạm Thái Bường, Phường Thanh Đức, tỉnh Vĩnh Long", "0270 3824 678", 29590),
]  # fmt: skip

# Commune-level units (real post-2025 wards of Vĩnh Long): (number, ward code, ward name, street)
COMMUNES = [
    (1, 29551, "Phường Long Châu", "Số 2 đường Phạm Hùng"),
    (2, 28789, "Phường Bến Tre", "Số 7 đường Cách Mạng Tháng Tám"),
    (3, 29242, "Phường Trà Vinh", "Số 46 đường Điện Biên Phủ"),
    (4, 28903, "Xã Mỏ Cày", "Quốc lộ 60, ấp Khánh Hòa"),
    (5, 29266, "Xã Càng Long", "Quốc lộ 53, khóm 2"),
]


def _ubnd(n):
    return f"000.{n:02d}.31.H62"


def _police(n):
    return f"000.{n:02d}.32.H62"


PROVINCE_PC = "000.00.00.H62"
CENTRAL_BODIES = {"000.00.20.H62", "000.00.21.H62"}  # police, social insurance: parents outside the catalog


def _province_parent(code: str) -> str | None:
    return None if code == PROVINCE_PC or code in CENTRAL_BODIES else PROVINCE_PC


def agencies() -> list[dict]:
    rows = [
        {
            "code": code,
            "name": name,
            "short_name": short,
            "level": "province",
            "parent": _province_parent(code),
            "province": PROVINCE,
            "ward": ward,
            "address": address,
            "phone": phone,
            "email": "",
            "opening_hours": HOURS_SAT if code == "000.00.02.H62" else HOURS,
            "is_active": True,
        }
        for code, name, short, address, phone, ward in PROVINCE_AGENCIES
    ]
    for row, slug in zip(
        rows, ["ubnd", "vpubnd", "pvhcc", "stp", "sxd", "sct", "syt", "snv", "stc", "cat", "bhxh"], strict=True
    ):
        row["email"] = f"{slug}@vinhlong.gov.vn"
    for n, ward, ward_name, street in COMMUNES:
        rows.append(
            {
                "code": _ubnd(n),
                "name": f"Ủy ban nhân dân {ward_name}",
                "short_name": f"UBND {ward_name}",
                "level": "commune",
                "parent": PROVINCE_PC,
                "province": PROVINCE,
                "ward": ward,
                "address": f"{street}, {ward_name}, tỉnh Vĩnh Long",
                "phone": f"0270 38{n:02d} 100",
                "email": "",
                "opening_hours": HOURS_SAT,
                "is_active": True,
            }
        )
        if n <= 3:
            rows.append(
                {
                    "code": _police(n),
                    "name": f"Công an {ward_name}",
                    "short_name": f"CA {ward_name}",
                    "level": "commune",
                    "parent": "000.00.20.H62",
                    "province": PROVINCE,
                    "ward": ward,
                    "address": f"{street}, {ward_name}, tỉnh Vĩnh Long",
                    "phone": f"069 2 898 3{n:02d}",
                    "email": "",
                    "opening_hours": HOURS_SAT,
                    "is_active": True,
                }
            )
    return rows


FIELDS = [
    ("ho-tich", "Hộ tịch", "Civil status"),
    ("chung-thuc", "Chứng thực", "Certification"),
    ("ly-lich-tu-phap", "Lý lịch tư pháp", "Judicial records"),
    ("cu-tru", "Đăng ký, quản lý cư trú", "Residence"),
    ("ho-kinh-doanh", "Thành lập và hoạt động của hộ kinh doanh", "Household businesses"),
    ("doanh-nghiep", "Thành lập và hoạt động doanh nghiệp", "Enterprises"),
    ("xay-dung", "Hoạt động xây dựng", "Construction"),
    ("giao-thong", "Giấy phép lái xe", "Driving licences"),
    ("bao-tro-xa-hoi", "Bảo trợ xã hội", "Social protection"),
    ("bao-hiem-y-te", "Bảo hiểm y tế", "Health insurance"),
    ("cong-thuong", "Lưu thông hàng hóa, an toàn thực phẩm", "Trade and food safety"),
    ("y-te", "Khám bệnh, chữa bệnh", "Medical practice"),
    ("lao-dong", "Việc làm, lao động nước ngoài", "Employment"),
    ("lien-thong", "Liên thông thủ tục hành chính", "Inter-agency bundles"),
]

COMMUNE_UBND = [_ubnd(n) for n, *_ in COMMUNES]
COMMUNE_POLICE = [_police(n) for n in (1, 2, 3)]


# --- e-form building blocks -------------------------------------------------------------------
def t(name, vi, en, *, type_="text", required=True, prefill=None, help_vi=None, help_en=None, **validation):
    field = {"name": name, "type": type_, "label": {"vi": vi, "en": en}, "required": required, "prefill": prefill}
    if help_vi:
        field["help"] = {"vi": help_vi, "en": help_en or help_vi}
    if validation:
        field["validation"] = validation
    return field


def select(name, vi, en, options, *, required=True):
    return {
        "name": name,
        "type": "select",
        "label": {"vi": vi, "en": en},
        "required": required,
        "prefill": None,
        "options": [{"value": v, "label": {"vi": lvi, "en": len_}} for v, lvi, len_ in options],
    }


SEX = [("M", "Nam", "Male"), ("F", "Nữ", "Female")]


def applicant(prefix="applicant", *, vi="người yêu cầu", en="applicant"):
    return [
        t(f"{prefix}_full_name", f"Họ, chữ đệm, tên {vi}", f"Full name of the {en}", prefill="identity.full_name",
          max_length=100),
        t(f"{prefix}_id", f"Số định danh cá nhân {vi}", f"Personal ID number of the {en}", type_="cccd",
          prefill="identity.personal_id"),
        t(f"{prefix}_birth_date", "Ngày, tháng, năm sinh", "Date of birth", type_="date",
          prefill="identity.date_of_birth", max_date="today"),
        t(f"{prefix}_phone", "Số điện thoại liên hệ", "Phone number", prefill="identity.phone",
          pattern=r"0\d{9,10}", help_vi="10 hoặc 11 chữ số, bắt đầu bằng 0", help_en="10 or 11 digits starting with 0"),
        t(f"{prefix}_address", "Nơi cư trú", "Place of residence", type_="address", prefill="identity.address"),
    ]  # fmt: skip


def child_block():
    return [
        t("child_full_name", "Họ, chữ đệm, tên của trẻ", "Child's full name", min_length=2, max_length=100),
        select("child_sex", "Giới tính", "Sex", SEX),
        t("child_birth_date", "Ngày, tháng, năm sinh của trẻ", "Child's date of birth", type_="date",
          max_date="today"),
        t("child_birth_place", "Nơi sinh (cơ sở y tế hoặc địa chỉ)", "Place of birth", max_length=255),
        t("child_ethnicity", "Dân tộc", "Ethnic group", max_length=50),
        t("mother_full_name", "Họ, chữ đệm, tên người mẹ", "Mother's full name", max_length=100),
        t("mother_id", "Số định danh cá nhân của mẹ", "Mother's personal ID number", type_="cccd"),
        t("father_full_name", "Họ, chữ đệm, tên người cha", "Father's full name", required=False, max_length=100),
        t("father_id", "Số định danh cá nhân của cha", "Father's personal ID number", type_="cccd", required=False),
        select("relationship", "Quan hệ của người đi đăng ký với trẻ", "Your relationship to the child",
               [("mother", "Mẹ", "Mother"), ("father", "Cha", "Father"), ("grandparent", "Ông, bà", "Grandparent"),
                ("other", "Người thân thích khác", "Other relative")]),
    ]  # fmt: skip


def deceased_block():
    return [
        t("deceased_full_name", "Họ, chữ đệm, tên người đã chết", "Full name of the deceased", max_length=100),
        t("deceased_id", "Số định danh cá nhân của người đã chết", "Personal ID number of the deceased", type_="cccd"),
        t("death_date", "Ngày chết", "Date of death", type_="date", max_date="today"),
        t("death_place", "Nơi chết", "Place of death", max_length=255),
        t("death_cause", "Nguyên nhân chết", "Cause of death", max_length=255, required=False),
        t("relationship", "Quan hệ với người đã chết", "Relationship to the deceased", max_length=50),
    ]  # fmt: skip


def confirm():
    return t(
        "declaration",
        "Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước pháp luật.",
        "I declare that the information above is true and I am responsible before the law.",
        type_="checkbox",
    )


def doc(key, name, form="original", copies=1, mandatory=True, description="", reusable=None, template=False):
    return {
        "key": key,
        "name": name,
        "description": description,
        "form": form,
        "copies": copies,
        "mandatory": mandatory,
        "reusable_kinds": reusable or [],
        "generate_template": template,
    }


def fee(name, amount, kind="fee", note="", per="", tiers=None):
    """A fee line; `tiers` = {"tier_field", "tier_unit", "tier_first_units", "tier_further_amount",
    "cap"} for a tiered fee (catalog.fees)."""
    line = {"name": name, "kind": kind, "amount": str(amount), "note": note, "per_unit_field": per}
    return {**line, **(tiers or {})}


ID_DOC = doc(
    "giay-to-tuy-than",
    "Giấy tờ tùy thân của người yêu cầu (thẻ căn cước, căn cước công dân hoặc hộ chiếu)",
    form="original",
    description="Xuất trình khi nộp trực tiếp; khi nộp trực tuyến bằng tài khoản định danh điện tử thì không phải nộp.",
    reusable=["eid:identity"],
)
UY_QUYEN = doc(
    "van-ban-uy-quyen",
    "Văn bản ủy quyền (trường hợp ủy quyền thực hiện thủ tục)",
    form="certified_copy",
    mandatory=False,
    description="Được chứng thực theo quy định, trừ trường hợp người được ủy quyền là ông, bà, cha, mẹ, con, vợ, chồng, anh, chị, em ruột của người ủy quyền.",
)

HO_TICH_LAW = (
    "Luật Hộ tịch số 60/2014/QH13;\n"
    "Nghị định số 123/2015/NĐ-CP quy định chi tiết một số điều và biện pháp thi hành Luật Hộ tịch;\n"
    "Nghị định số 87/2020/NĐ-CP quy định về Cơ sở dữ liệu hộ tịch điện tử, đăng ký hộ tịch trực tuyến;\n"
    "Thông tư số 04/2020/TT-BTP hướng dẫn thi hành Luật Hộ tịch;\n"
    "Thông tư số 85/2019/TT-BTC hướng dẫn về phí và lệ phí thuộc thẩm quyền quyết định của HĐND cấp tỉnh."
)
CU_TRU_LAW = (
    "Luật Cư trú số 68/2020/QH14;\n"
    "Nghị định số 154/2024/NĐ-CP quy định chi tiết một số điều của Luật Cư trú;\n"
    "Thông tư số 53/2021/TT-BCA quy định chi tiết một số điều của Luật Cư trú;\n"
    "Thông tư số 75/2022/TT-BTC quy định mức thu, chế độ thu, nộp, quản lý lệ phí đăng ký cư trú."
)
CHUNG_THUC_LAW = (
    "Nghị định số 23/2015/NĐ-CP về cấp bản sao từ sổ gốc, chứng thực bản sao từ bản chính, chứng thực chữ ký "
    "và chứng thực hợp đồng, giao dịch;\nThông tư số 01/2020/TT-BTP;\n"
    "Thông tư số 226/2016/TT-BTC quy định mức thu, chế độ thu, nộp phí chứng thực."
)
HKD_LAW = (
    "Luật Doanh nghiệp số 59/2020/QH14;\nNghị định số 168/2025/NĐ-CP về đăng ký doanh nghiệp;\n"
    "Thông tư số 85/2019/TT-BTC (lệ phí đăng ký hộ kinh doanh do HĐND tỉnh quy định)."
)
DN_LAW = (
    "Luật Doanh nghiệp số 59/2020/QH14;\nNghị định số 168/2025/NĐ-CP về đăng ký doanh nghiệp;\n"
    "Thông tư số 47/2019/TT-BTC quy định mức thu, chế độ thu, nộp phí, lệ phí đăng ký doanh nghiệp."
)
XD_LAW = (
    "Luật Xây dựng số 50/2014/QH13, sửa đổi bởi Luật số 62/2020/QH14;\n"
    "Nghị định số 175/2024/NĐ-CP quy định chi tiết một số điều và biện pháp thi hành Luật Xây dựng về quản lý hoạt động xây dựng;\n"
    "Thông tư số 85/2019/TT-BTC (lệ phí cấp giấy phép xây dựng do HĐND tỉnh quy định)."
)
GPLX_LAW = (
    "Luật Trật tự, an toàn giao thông đường bộ số 36/2024/QH15;\n"
    "Thông tư số 12/2025/TT-BCA quy định về sát hạch, cấp giấy phép lái xe;\n"
    "Thông tư số 37/2023/TT-BTC quy định mức thu, chế độ thu, nộp lệ phí cấp giấy phép lái xe."
)
BTXH_LAW = (
    "Nghị định số 20/2021/NĐ-CP quy định chính sách trợ giúp xã hội đối với đối tượng bảo trợ xã hội;\n"
    "Nghị định số 76/2024/NĐ-CP sửa đổi, bổ sung Nghị định số 20/2021/NĐ-CP."
)
BHYT_LAW = (
    "Luật Bảo hiểm y tế số 25/2008/QH12, sửa đổi, bổ sung bởi Luật số 51/2024/QH15;\n"
    "Nghị định số 146/2018/NĐ-CP quy định chi tiết và hướng dẫn biện pháp thi hành một số điều của Luật Bảo hiểm y tế;\n"
    "Quyết định số 896/QĐ-BHXH về quy trình thu, cấp thẻ bảo hiểm y tế."
)
LIEN_THONG_LAW = (
    "Nghị định số 63/2024/NĐ-CP về thực hiện liên thông điện tử nhóm thủ tục hành chính: đăng ký khai sinh, "
    "đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi; đăng ký khai tử, xóa đăng ký thường trú, "
    "giải quyết mai táng phí, tử tuất;\nQuyết định số 06/QĐ-TTg (Đề án 06)."
)

ONE_DAY = "Ngay trong ngày tiếp nhận hồ sơ; trường hợp nhận hồ sơ sau 15 giờ mà không giải quyết được ngay thì trả kết quả trong ngày làm việc tiếp theo."


def p(code, name, field, agencies, *, level="commune", online="full", days="3", unit="working_days", description="",
      requirements="", result="", law="", documents=(), fees=(), schema=(), eid=1, fee_timing="before_intake",
      channels=("online", "counter", "post"), popularity=0, is_bundle=False, parts=(), result_doc_type="",
      certified_copy=False):  # fmt: skip
    return {
        "code": code,
        "name": name,
        "description": description,
        "field": field,
        "agencies": list(agencies),
        "level": level,
        "online_level": online,
        "channels": list(channels),
        "processing_time": {"value": str(days), "unit": unit},
        "result_description": result,
        "legal_basis": law,
        "requirements": requirements,
        "min_eid_level": eid,
        "fee_timing": fee_timing,
        "refund_on_refusal": True,
        "is_bundle": is_bundle,
        "result_doc_type": result_doc_type,
        "certified_copy": certified_copy,
        "form_schema": list(schema),
        # The e-form is the declaration: the "Tờ khai … (theo mẫu)" is not uploaded again.
        "documents": [
            {**d, "reusable_kinds": [*d["reusable_kinds"], "eform:declaration"]}
            if schema and d["key"] == "to-khai" and "(theo mẫu)" in d["name"]
            else d
            for d in documents
        ],
        "fees": list(fees),
        "bundle_parts": [{"name": n, "agency": a, "procedure": c} for n, a, c in parts],
        "popularity": popularity,
    }


def procedures() -> list[dict]:
    U, CA, TP = COMMUNE_UBND, COMMUNE_POLICE, ["000.00.11.H62"]
    return [
        # --- Hộ tịch -----------------------------------------------------------------------
        p("1.001193", "Đăng ký khai sinh", "ho-tich", U, days="1", popularity=980, result_doc_type="birth_extract",
          description="Đăng ký khai sinh cho trẻ em sinh ra tại Việt Nam có cha, mẹ là công dân Việt Nam cư trú trong nước.",
          requirements="Trong thời hạn 60 ngày kể từ ngày sinh con, cha hoặc mẹ có trách nhiệm đăng ký khai sinh cho con; "
                       "trường hợp cha, mẹ không thể đăng ký thì ông, bà hoặc người thân thích khác đăng ký.",
          result="Giấy khai sinh (bản chính) và bản điện tử Giấy khai sinh; số định danh cá nhân được cấp cho trẻ.",
          law=HO_TICH_LAW,
          documents=[doc("to-khai", "Tờ khai đăng ký khai sinh (theo mẫu)", template=True),
                     doc("giay-chung-sinh", "Giấy chứng sinh", description="Do cơ sở y tế nơi trẻ sinh ra cấp. Trường hợp không có Giấy chứng sinh thì nộp văn bản của người làm chứng xác nhận về việc sinh.",
                         reusable=["store:birth_certificate_medical"]),
                     ID_DOC, UY_QUYEN],
          fees=[fee("Lệ phí đăng ký khai sinh", 0, note="Miễn lệ phí đăng ký khai sinh đúng hạn")],
          schema=[*applicant(), *child_block(), confirm()]),
        p("1.000894", "Đăng ký kết hôn", "ho-tich", U, days="5", popularity=610,
          description="Đăng ký kết hôn giữa công dân Việt Nam với nhau cư trú ở trong nước.",
          requirements="Nam từ đủ 20 tuổi, nữ từ đủ 18 tuổi; việc kết hôn do nam và nữ tự nguyện quyết định; "
                       "không bị mất năng lực hành vi dân sự; không thuộc trường hợp cấm kết hôn. Hai bên nam, nữ phải có mặt khi đăng ký.",
          result="Giấy chứng nhận kết hôn (mỗi bên vợ, chồng một bản chính).",
          law=HO_TICH_LAW + "\nLuật Hôn nhân và gia đình số 52/2014/QH13.",
          documents=[doc("to-khai", "Tờ khai đăng ký kết hôn (theo mẫu)", template=True),
                     doc("xac-nhan-hon-nhan", "Giấy xác nhận tình trạng hôn nhân", mandatory=False,
                         description="Chỉ nộp khi người yêu cầu đăng ký kết hôn không thường trú tại nơi đăng ký.",
                         reusable=["store:marital_status"]),
                     ID_DOC],
          fees=[fee("Lệ phí đăng ký kết hôn", 0, note="Miễn lệ phí đối với công dân Việt Nam cư trú ở trong nước")],
          schema=[*applicant("husband", vi="bên chồng", en="husband"),
                  t("wife_full_name", "Họ, chữ đệm, tên bên vợ", "Wife's full name", max_length=100),
                  t("wife_id", "Số định danh cá nhân bên vợ", "Wife's personal ID number", type_="cccd"),
                  t("wife_birth_date", "Ngày sinh bên vợ", "Wife's date of birth", type_="date", max_date="today"),
                  t("first_marriage", "Đây là lần kết hôn thứ nhất của cả hai bên", "This is the first marriage for both",
                    type_="checkbox", required=False),
                  confirm()]),
        p("1.000656", "Đăng ký khai tử", "ho-tich", U, days="1", popularity=240,
          description="Đăng ký khai tử cho người chết tại Việt Nam.",
          requirements="Trong thời hạn 15 ngày kể từ ngày có người chết thì vợ, chồng hoặc con, cha, mẹ hoặc người thân thích khác có trách nhiệm đi đăng ký khai tử.",
          result="Trích lục khai tử (bản chính); thông tin được cập nhật vào Cơ sở dữ liệu quốc gia về dân cư.",
          law=HO_TICH_LAW,
          documents=[doc("to-khai", "Tờ khai đăng ký khai tử (theo mẫu)", template=True),
                     doc("giay-bao-tu", "Giấy báo tử hoặc giấy tờ thay thế Giấy báo tử",
                         description="Do cơ sở y tế, UBND cấp xã hoặc cơ quan có thẩm quyền cấp."),
                     ID_DOC, UY_QUYEN],
          fees=[fee("Lệ phí đăng ký khai tử", 0, note="Miễn lệ phí đăng ký khai tử đúng hạn")],
          schema=[*applicant(), *deceased_block(), confirm()]),
        p("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", "ho-tich", U, days="3", popularity=420,
          description="Xác nhận tình trạng hôn nhân của công dân Việt Nam cư trú trong nước để kết hôn hoặc sử dụng vào mục đích khác.",
          result="Giấy xác nhận tình trạng hôn nhân (có giá trị 06 tháng kể từ ngày cấp).",
          law=HO_TICH_LAW,
          documents=[doc("to-khai", "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân (theo mẫu)", template=True),
                     doc("ban-an-ly-hon", "Bản án, quyết định ly hôn đã có hiệu lực hoặc giấy chứng tử của vợ/chồng",
                         form="certified_copy", mandatory=False, description="Nộp khi đã từng kết hôn."),
                     ID_DOC],
          fees=[fee("Lệ phí cấp Giấy xác nhận tình trạng hôn nhân", 3000)],
          schema=[*applicant(), select("purpose", "Mục đích sử dụng", "Purpose",
                                       [("marriage", "Để kết hôn", "To marry"), ("other", "Mục đích khác", "Other purpose")]),
                  t("purpose_detail", "Nêu rõ mục đích (nếu khác)", "Purpose details", required=False, max_length=255),
                  confirm()]),
        p("2.000635", "Cấp bản sao trích lục hộ tịch", "ho-tich", U, days="1", popularity=300,
          description="Cấp bản sao Giấy khai sinh, trích lục kết hôn, trích lục khai tử… từ Cơ sở dữ liệu hộ tịch.",
          result="Bản sao trích lục hộ tịch (bản giấy hoặc bản điện tử).",
          law=HO_TICH_LAW,
          documents=[doc("to-khai", "Tờ khai cấp bản sao trích lục hộ tịch (theo mẫu)", template=True), ID_DOC, UY_QUYEN],
          fees=[fee("Phí cấp bản sao trích lục hộ tịch", 8000, kind="charge", note="8.000 đồng/bản sao", per="copies")],
          schema=[*applicant(), select("record_kind", "Loại trích lục", "Kind of extract",
                                       [("birth", "Khai sinh", "Birth"), ("marriage", "Kết hôn", "Marriage"),
                                        ("death", "Khai tử", "Death")]),
                  t("copies", "Số bản sao", "Number of copies", type_="number", min=1, max=10), confirm()]),
        p("1.000689", "Đăng ký lại khai sinh", "ho-tich", U, days="5", online="partial",
          description="Đăng ký lại khai sinh cho người đã đăng ký khai sinh tại Việt Nam nhưng Sổ hộ tịch và bản chính giấy tờ hộ tịch đều bị mất.",
          result="Giấy khai sinh (bản chính).", law=HO_TICH_LAW,
          documents=[doc("to-khai", "Tờ khai đăng ký lại khai sinh (theo mẫu)"),
                     doc("giay-to-lien-quan", "Bản sao giấy tờ có nội dung khai sinh (hồ sơ học tập, lý lịch…)", form="copy"),
                     ID_DOC],
          fees=[fee("Lệ phí đăng ký lại khai sinh", 5000)],
          schema=[*applicant(), confirm()]),
        p("1.001022", "Đăng ký nhận cha, mẹ, con", "ho-tich", U, days="3", online="partial",
          result="Trích lục đăng ký nhận cha, mẹ, con.", law=HO_TICH_LAW,
          documents=[doc("to-khai", "Tờ khai đăng ký nhận cha, mẹ, con (theo mẫu)"),
                     doc("chung-cu", "Văn bản của cơ quan y tế, giám định xác nhận quan hệ cha, mẹ, con hoặc chứng cứ khác",
                         form="original_or_copy"), ID_DOC],
          fees=[fee("Lệ phí đăng ký nhận cha, mẹ, con", 15000)],
          schema=[*applicant(), t("other_party_full_name", "Họ, chữ đệm, tên người được nhận", "Name of the person recognised",
                                  max_length=100), confirm()]),
        # --- Chứng thực -------------------------------------------------------------------------
        p("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của Việt Nam cấp",
          "chung-thuc", U, days="1", online="partial", channels=("online", "counter"), popularity=720,
          certified_copy=True, result_doc_type="certified_copy",
          description="Chứng thực bản sao từ bản chính; nộp trực tuyến để nhận bản sao điện tử được chứng thực từ bản chính.",
          requirements="Bản chính không thuộc trường hợp bị tẩy xóa, sửa chữa, thêm, bớt nội dung không hợp lệ hoặc bị hư hỏng, cũ nát không xác định được nội dung.",
          result="Bản sao được chứng thực từ bản chính (bản giấy hoặc bản điện tử).", law=CHUNG_THUC_LAW,
          documents=[doc("ban-chinh", "Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao"),
                     doc("ban-sao", "Bản sao cần chứng thực", form="copy", mandatory=False,
                         description="Trường hợp người yêu cầu không xuất trình bản sao thì cơ quan chứng thực chụp từ bản chính.")],
          # Circular 226/2016/TT-BTC (11/11/2016), as quoted by a notary office: "2.000 đồng/trang.
          # Từ trang thứ ba trở lên thu 1.000 đồng/trang, nhưng mức thu tối đa không quá 200.000
          # đồng/bản. Trang là căn cứ để thu phí được tính theo trang của bản chính".
          fees=[fee("Phí chứng thực bản sao từ bản chính", 2000, kind="charge",
                    note="2.000 đồng/trang; từ trang thứ ba trở lên 1.000 đồng/trang, tối đa 200.000 đồng/bản",
                    per="copies",
                    tiers={"tier_field": "pages", "tier_unit": "trang", "tier_first_units": 2,
                           "tier_further_amount": "1000", "cap": "200000"})],
          fee_timing="before_result",
          schema=[*applicant(), t("document_title", "Tên giấy tờ cần chứng thực", "Document to certify", max_length=255),
                  t("pages", "Số trang", "Number of pages", type_="number", min=1, max=500),
                  t("copies", "Số bản", "Number of copies", type_="number", min=1, max=20)]),
        p("2.000884", "Chứng thực chữ ký trong các giấy tờ, văn bản", "chung-thuc", U, days="1", online="none",
          channels=("counter",),
          requirements="Người yêu cầu chứng thực phải ký trước mặt người thực hiện chứng thực.",
          result="Giấy tờ, văn bản được chứng thực chữ ký.", law=CHUNG_THUC_LAW,
          documents=[ID_DOC, doc("giay-to", "Giấy tờ, văn bản mà mình sẽ ký")],
          fees=[fee("Phí chứng thực chữ ký", 10000, kind="charge", note="10.000 đồng/trường hợp")]),
        p("2.001035", "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản", "chung-thuc", U, days="2",
          online="none", channels=("counter",), result="Hợp đồng, giao dịch được chứng thực.", law=CHUNG_THUC_LAW,
          documents=[doc("du-thao", "Dự thảo hợp đồng, giao dịch"), ID_DOC,
                     doc("giay-to-tai-san", "Bản sao giấy chứng nhận quyền sở hữu, quyền sử dụng tài sản", form="copy")],
          fees=[fee("Phí chứng thực hợp đồng, giao dịch", 50000, kind="charge")]),
        # --- Lý lịch tư pháp --------------------------------------------------------------------
        p("2.000488", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
          "ly-lich-tu-phap", TP, level="province", days="10", eid=2, popularity=860,
          description="Cấp Phiếu lý lịch tư pháp số 1 hoặc số 2; có thể nộp trực tuyến qua tài khoản định danh điện tử mức 2 và nhận Phiếu bản điện tử trên VNeID.",
          requirements="Người yêu cầu cấp Phiếu số 2 phải trực tiếp yêu cầu, không được ủy quyền.",
          result="Phiếu lý lịch tư pháp (bản giấy hoặc bản điện tử).",
          law="Luật Lý lịch tư pháp số 28/2009/QH12;\nNghị định số 111/2010/NĐ-CP;\nThông tư số 06/2024/TT-BTP;\n"
              "Thông tư số 244/2016/TT-BTC quy định mức thu, chế độ thu, nộp phí cung cấp thông tin lý lịch tư pháp.",
          documents=[doc("to-khai", "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (theo mẫu)", template=True),
                     ID_DOC,
                     doc("giay-mien-giam", "Giấy tờ chứng minh thuộc đối tượng miễn, giảm phí", mandatory=False,
                         form="certified_copy", description="Sinh viên, người có công với cách mạng, người thuộc hộ nghèo…")],
          fees=[fee("Phí cung cấp thông tin lý lịch tư pháp", 200000, kind="charge",
                    note="Sinh viên, người có công, thân nhân liệt sĩ: 100.000 đồng; trẻ em, người cao tuổi, người khuyết tật, hộ nghèo: miễn. Từ Phiếu thứ 3 trở đi: thêm 5.000 đồng/Phiếu")],
          schema=[*applicant(), select("sheet", "Loại Phiếu yêu cầu", "Certificate type",
                                       [("1", "Phiếu lý lịch tư pháp số 1", "Certificate no. 1"),
                                        ("2", "Phiếu lý lịch tư pháp số 2", "Certificate no. 2")]),
                  t("purpose", "Mục đích yêu cầu cấp Phiếu", "Purpose", max_length=255),
                  t("extra_copies", "Số lượng Phiếu yêu cầu cấp", "Number of certificates", type_="number", min=1, max=5),
                  confirm()]),
        # --- Cư trú -----------------------------------------------------------------------------
        p("1.004194", "Đăng ký thường trú", "cu-tru", CA, days="7", popularity=900,
          description="Đăng ký thường trú tại chỗ ở hợp pháp thuộc quyền sở hữu của mình hoặc được chủ hộ, chủ sở hữu đồng ý.",
          requirements="Công dân có chỗ ở hợp pháp; trường hợp nhập vào hộ gia đình phải được chủ hộ, chủ sở hữu chỗ ở hợp pháp đồng ý.",
          result="Thông tin thường trú được cập nhật vào Cơ sở dữ liệu về cư trú; thông báo kết quả bằng văn bản hoặc qua VNeID.",
          law=CU_TRU_LAW,
          documents=[doc("to-khai-ct01", "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)", template=True),
                     doc("giay-to-cho-o", "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp", form="original_or_copy",
                         reusable=["store:land_use_certificate"],
                         description="Không phải nộp nếu thông tin đã có trong Cơ sở dữ liệu quốc gia về dân cư.")],
          fees=[fee("Lệ phí đăng ký thường trú", 10000, note="Nộp trực tuyến 10.000 đồng; nộp trực tiếp 20.000 đồng")],
          schema=[*applicant(), t("new_address", "Địa chỉ đề nghị đăng ký thường trú", "Address of the new permanent residence",
                                  type_="address"),
                  t("household_head", "Họ, chữ đệm, tên chủ hộ", "Head of household", max_length=100),
                  t("household_head_id", "Số định danh cá nhân của chủ hộ", "Head of household's ID number", type_="cccd"),
                  select("relation_to_head", "Quan hệ với chủ hộ", "Relationship to the head of household",
                         [("self", "Là chủ hộ", "Head of household"), ("spouse", "Vợ/chồng", "Spouse"),
                          ("child", "Con", "Child"), ("parent", "Cha/mẹ", "Parent"), ("other", "Khác", "Other")]),
                  confirm()]),
        p("1.004222", "Đăng ký tạm trú", "cu-tru", CA, days="3", popularity=780,
          description="Công dân đến sinh sống tại chỗ ở hợp pháp ngoài phạm vi đơn vị hành chính cấp xã nơi đã đăng ký thường trú từ 30 ngày trở lên.",
          result="Thông tin tạm trú được cập nhật vào Cơ sở dữ liệu về cư trú.", law=CU_TRU_LAW,
          documents=[doc("to-khai-ct01", "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)", template=True),
                     doc("giay-to-cho-o", "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp", form="original_or_copy",
                         description="Hợp đồng thuê, mượn, ở nhờ hoặc văn bản đồng ý của chủ sở hữu.")],
          fees=[fee("Lệ phí đăng ký tạm trú", 7000, note="Nộp trực tuyến 7.000 đồng; nộp trực tiếp 15.000 đồng")],
          schema=[*applicant(), t("temp_address", "Địa chỉ đăng ký tạm trú", "Temporary residence address", type_="address"),
                  t("stay_until", "Thời hạn tạm trú đến ngày", "Staying until", type_="date", min_date="today"),
                  confirm()]),
        p("1.004206", "Xóa đăng ký thường trú", "cu-tru", CA, days="1",
          result="Thông tin xóa đăng ký thường trú được cập nhật vào Cơ sở dữ liệu về cư trú.", law=CU_TRU_LAW,
          documents=[doc("to-khai-ct01", "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)"),
                     doc("giay-to-chung-minh", "Giấy tờ chứng minh thuộc trường hợp xóa đăng ký thường trú", form="original_or_copy")],
          fees=[fee("Lệ phí", 0, note="Không thu lệ phí")],
          schema=[*applicant(), t("reason", "Lý do xóa đăng ký thường trú", "Reason", type_="textarea", max_length=500), confirm()]),
        p("1.004199", "Gia hạn tạm trú", "cu-tru", CA, days="3",
          result="Thông tin gia hạn tạm trú được cập nhật vào Cơ sở dữ liệu về cư trú.", law=CU_TRU_LAW,
          documents=[doc("to-khai-ct01", "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)")],
          fees=[fee("Lệ phí gia hạn tạm trú", 7000, note="Nộp trực tuyến 7.000 đồng; nộp trực tiếp 15.000 đồng")],
          schema=[*applicant(), t("stay_until", "Gia hạn đến ngày", "Extend until", type_="date", min_date="today"), confirm()]),
        p("1.004227", "Khai báo tạm vắng", "cu-tru", CA, days="1",
          result="Thông tin khai báo tạm vắng được cập nhật vào Cơ sở dữ liệu về cư trú.", law=CU_TRU_LAW,
          documents=[doc("de-nghi", "Đề nghị khai báo tạm vắng")],
          fees=[fee("Lệ phí", 0, note="Không thu lệ phí")],
          schema=[*applicant(), t("away_from", "Tạm vắng từ ngày", "Away from", type_="date"),
                  t("away_to", "Đến ngày", "Until", type_="date"),
                  t("destination", "Nơi đến", "Destination", type_="address"), confirm()]),
        # --- Hộ kinh doanh ----------------------------------------------------------------------
        p("2.000720", "Đăng ký thành lập hộ kinh doanh", "ho-kinh-doanh", U, days="3", popularity=520,
          description="Cá nhân hoặc các thành viên hộ gia đình đăng ký thành lập hộ kinh doanh tại cơ quan đăng ký kinh doanh cấp xã.",
          requirements="Tên hộ kinh doanh không trùng với tên riêng của hộ kinh doanh đã đăng ký trong phạm vi cấp xã; ngành nghề không bị cấm kinh doanh.",
          result="Giấy chứng nhận đăng ký hộ kinh doanh.", law=HKD_LAW,
          documents=[doc("giay-de-nghi", "Giấy đề nghị đăng ký hộ kinh doanh (theo mẫu)", template=True),
                     doc("bien-ban-hop", "Biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh", mandatory=False,
                         description="Trường hợp các thành viên hộ gia đình đăng ký hộ kinh doanh."),
                     doc("hop-dong-thue", "Bản sao hợp đồng thuê địa điểm kinh doanh", form="copy", mandatory=False)],
          fees=[fee("Lệ phí đăng ký hộ kinh doanh", 100000, note="Miễn lệ phí khi đăng ký qua mạng điện tử theo Nghị quyết HĐND tỉnh")],
          schema=[*applicant("owner", vi="chủ hộ kinh doanh", en="business owner"),
                  t("business_name", "Tên hộ kinh doanh", "Business name", max_length=200),
                  t("business_address", "Địa điểm kinh doanh", "Business address", type_="address"),
                  t("business_lines", "Ngành, nghề kinh doanh", "Business lines", type_="textarea", max_length=1000),
                  t("capital", "Vốn kinh doanh (đồng)", "Capital (VND)", type_="number", min=0),
                  t("employees", "Số lượng lao động", "Number of workers", type_="number", min=0, max=1000, required=False),
                  confirm()]),
        p("2.000575", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", "ho-kinh-doanh", U, days="3",
          result="Giấy chứng nhận đăng ký hộ kinh doanh (cấp đổi).", law=HKD_LAW,
          documents=[doc("thong-bao", "Thông báo thay đổi nội dung đăng ký hộ kinh doanh (theo mẫu)"),
                     doc("gcn-cu", "Bản gốc Giấy chứng nhận đăng ký hộ kinh doanh đã cấp", mandatory=False)],
          fees=[fee("Lệ phí đăng ký thay đổi", 50000)],
          schema=[*applicant("owner", vi="chủ hộ kinh doanh", en="business owner"),
                  t("registration_no", "Số Giấy chứng nhận đăng ký hộ kinh doanh", "Registration number", max_length=30),
                  t("changes", "Nội dung đăng ký thay đổi", "What changes", type_="textarea", max_length=1000), confirm()]),
        p("2.000713", "Tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo của hộ kinh doanh",
          "ho-kinh-doanh", U, days="3",
          result="Giấy xác nhận về việc hộ kinh doanh đăng ký tạm ngừng kinh doanh.", law=HKD_LAW,
          documents=[doc("thong-bao", "Thông báo về việc tạm ngừng/tiếp tục kinh doanh (theo mẫu)")],
          fees=[fee("Lệ phí", 0, note="Không thu lệ phí")],
          schema=[*applicant("owner", vi="chủ hộ kinh doanh", en="business owner"),
                  t("registration_no", "Số Giấy chứng nhận đăng ký hộ kinh doanh", "Registration number", max_length=30),
                  t("pause_from", "Tạm ngừng từ ngày", "Pause from", type_="date", min_date="today"),
                  t("pause_to", "Đến ngày", "Until", type_="date", min_date="today"), confirm()]),
        # --- Doanh nghiệp -----------------------------------------------------------------------
        p("2.001610", "Đăng ký thành lập doanh nghiệp tư nhân", "doanh-nghiep", ["000.00.16.H62"], level="province",
          days="3", result="Giấy chứng nhận đăng ký doanh nghiệp.", law=DN_LAW,
          documents=[doc("giay-de-nghi", "Giấy đề nghị đăng ký doanh nghiệp tư nhân (theo mẫu)"), ID_DOC],
          fees=[fee("Lệ phí đăng ký doanh nghiệp", 0, note="Miễn lệ phí khi đăng ký qua mạng điện tử"),
                fee("Phí công bố nội dung đăng ký doanh nghiệp", 100000, kind="charge")],
          schema=[*applicant("owner", vi="chủ doanh nghiệp", en="owner"),
                  t("company_name", "Tên doanh nghiệp", "Company name", max_length=255),
                  t("head_office", "Địa chỉ trụ sở chính", "Head office", type_="address"),
                  t("capital", "Vốn đầu tư (đồng)", "Capital (VND)", type_="number", min=0), confirm()]),
        p("2.002040", "Đăng ký thành lập công ty TNHH một thành viên", "doanh-nghiep", ["000.00.16.H62"], level="province",
          days="3", result="Giấy chứng nhận đăng ký doanh nghiệp.", law=DN_LAW,
          documents=[doc("giay-de-nghi", "Giấy đề nghị đăng ký doanh nghiệp (theo mẫu)"),
                     doc("dieu-le", "Điều lệ công ty"), ID_DOC],
          fees=[fee("Lệ phí đăng ký doanh nghiệp", 0, note="Miễn lệ phí khi đăng ký qua mạng điện tử"),
                fee("Phí công bố nội dung đăng ký doanh nghiệp", 100000, kind="charge")],
          schema=[*applicant("owner", vi="chủ sở hữu", en="owner"),
                  t("company_name", "Tên công ty", "Company name", max_length=255),
                  t("head_office", "Địa chỉ trụ sở chính", "Head office", type_="address"),
                  t("charter_capital", "Vốn điều lệ (đồng)", "Charter capital (VND)", type_="number", min=0), confirm()]),
        # --- Xây dựng ---------------------------------------------------------------------------
        p("1.009994", "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", "xay-dung", U, days="15", online="partial",
          popularity=450,
          description="Cấp giấy phép xây dựng cho nhà ở riêng lẻ của hộ gia đình, cá nhân.",
          requirements="Phù hợp với quy hoạch chi tiết xây dựng; bảo đảm an toàn cho công trình và công trình lân cận; thiết kế xây dựng đáp ứng quy định.",
          result="Giấy phép xây dựng.", law=XD_LAW,
          documents=[doc("don-de-nghi", "Đơn đề nghị cấp giấy phép xây dựng (Mẫu số 01)", template=True),
                     doc("giay-to-dat", "Bản sao giấy tờ chứng minh quyền sử dụng đất", form="certified_copy",
                         reusable=["store:land_use_certificate"]),
                     doc("ban-ve", "02 bộ bản vẽ thiết kế xây dựng (mặt bằng, mặt cắt, mặt đứng, móng, đấu nối)", copies=2)],
          fees=[fee("Lệ phí cấp giấy phép xây dựng nhà ở riêng lẻ", 75000)],
          schema=[*applicant("owner", vi="chủ đầu tư", en="owner"),
                  t("site_address", "Địa điểm xây dựng", "Construction site", type_="address"),
                  t("land_parcel", "Thửa đất số, tờ bản đồ số", "Land parcel and map sheet", max_length=100),
                  t("floor_area", "Tổng diện tích sàn (m²)", "Total floor area (m²)", type_="number", min=1, max=10000),
                  t("floors", "Số tầng", "Number of floors", type_="number", min=1, max=15), confirm()]),
        p("1.009995", "Cấp giấy phép sửa chữa, cải tạo đối với nhà ở riêng lẻ", "xay-dung", U, days="15", online="partial",
          result="Giấy phép sửa chữa, cải tạo.", law=XD_LAW,
          documents=[doc("don-de-nghi", "Đơn đề nghị cấp giấy phép sửa chữa, cải tạo (theo mẫu)"),
                     doc("giay-to-nha", "Bản sao giấy tờ về quyền sở hữu, quản lý, sử dụng công trình", form="certified_copy"),
                     doc("ban-ve", "Bản vẽ, ảnh chụp hiện trạng bộ phận, hạng mục công trình đề nghị được cải tạo", copies=2)],
          fees=[fee("Lệ phí cấp giấy phép xây dựng nhà ở riêng lẻ", 75000)],
          schema=[*applicant("owner", vi="chủ đầu tư", en="owner"),
                  t("site_address", "Địa điểm công trình", "Building address", type_="address"),
                  t("works", "Nội dung sửa chữa, cải tạo", "Works", type_="textarea", max_length=1000), confirm()]),
        p("1.009977", "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II", "xay-dung",
          ["000.00.12.H62"], level="province", days="20", online="partial",
          result="Giấy phép xây dựng.", law=XD_LAW,
          documents=[doc("don-de-nghi", "Đơn đề nghị cấp giấy phép xây dựng (Mẫu số 01)"),
                     doc("giay-to-dat", "Bản sao giấy tờ chứng minh quyền sử dụng đất", form="certified_copy"),
                     doc("quyet-dinh-du-an", "Quyết định phê duyệt dự án, văn bản thẩm định", form="copy"),
                     doc("ban-ve", "02 bộ bản vẽ thiết kế xây dựng", copies=2)],
          fees=[fee("Lệ phí cấp giấy phép xây dựng công trình", 150000)],
          schema=[t("investor", "Tên chủ đầu tư", "Investor", max_length=255),
                  t("site_address", "Địa điểm xây dựng", "Construction site", type_="address"),
                  t("project_name", "Tên công trình", "Project", max_length=255), confirm()]),
        # --- Giấy phép lái xe ------------------------------------------------------------------
        p("1.012826", "Đổi giấy phép lái xe do ngành Công an cấp", "giao-thong", ["000.00.20.H62"], level="province",
          days="5", popularity=700,
          description="Đổi giấy phép lái xe hết hạn, bị hỏng hoặc có thay đổi thông tin; có thể nộp trực tuyến và nhận giấy phép qua bưu chính.",
          requirements="Giấy phép lái xe còn thời hạn hoặc quá hạn dưới 3 tháng; có giấy khám sức khỏe của người lái xe theo quy định (trừ hạng A1, A, B1).",
          result="Giấy phép lái xe (vật liệu PET); giấy phép lái xe điện tử trên VNeID.", law=GPLX_LAW,
          documents=[doc("don-de-nghi", "Đơn đề nghị đổi giấy phép lái xe (theo mẫu)", template=True),
                     doc("giay-kham-suc-khoe", "Giấy khám sức khỏe của người lái xe", reusable=["store:driver_health_certificate"],
                         description="Không phải nộp nếu dữ liệu sức khỏe điện tử đã được liên thông."),
                     doc("gplx-cu", "Bản sao giấy phép lái xe đang sử dụng", form="copy", reusable=["store:driving_licence"])],
          fees=[fee("Lệ phí cấp đổi giấy phép lái xe", 135000)],
          schema=[*applicant(), t("licence_no", "Số giấy phép lái xe", "Driving licence number", max_length=20,
                                  pattern=r"\d{12}"),
                  select("licence_class", "Hạng giấy phép lái xe", "Licence class",
                         [("A1", "A1", "A1"), ("A", "A", "A"), ("B", "B", "B"), ("C1", "C1", "C1"), ("C", "C", "C")]),
                  select("delivery", "Hình thức nhận kết quả", "How to receive",
                         [("post", "Qua dịch vụ bưu chính", "By post"), ("counter", "Trực tiếp tại nơi nộp", "At the counter")]),
                  confirm()]),
        p("1.012827", "Cấp lại giấy phép lái xe bị mất", "giao-thong", ["000.00.20.H62"], level="province", days="10",
          result="Giấy phép lái xe.", law=GPLX_LAW,
          documents=[doc("don-de-nghi", "Đơn đề nghị cấp lại giấy phép lái xe (theo mẫu)"),
                     doc("giay-kham-suc-khoe", "Giấy khám sức khỏe của người lái xe")],
          fees=[fee("Lệ phí cấp lại giấy phép lái xe", 135000)],
          schema=[*applicant(), t("licence_no", "Số giấy phép lái xe đã cấp (nếu nhớ)", "Licence number (if known)",
                                  required=False, max_length=20), confirm()]),
        # --- Bảo trợ xã hội ---------------------------------------------------------------------
        p("1.001776", "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng, hỗ trợ kinh phí chăm sóc, nuôi dưỡng hàng tháng",
          "bao-tro-xa-hoi", U, days="15", online="partial",
          description="Dành cho người cao tuổi, người khuyết tật, trẻ em không có nguồn nuôi dưỡng và các đối tượng bảo trợ xã hội khác.",
          result="Quyết định trợ cấp xã hội hàng tháng.", law=BTXH_LAW,
          documents=[doc("to-khai", "Tờ khai đề nghị trợ giúp xã hội (theo mẫu)"),
                     doc("giay-xac-nhan-khuyet-tat", "Giấy xác nhận khuyết tật (nếu có)", form="copy", mandatory=False)],
          fees=[],
          schema=[*applicant("beneficiary", vi="đối tượng", en="beneficiary"),
                  select("category", "Nhóm đối tượng", "Category",
                         [("elderly", "Người cao tuổi", "Elderly"), ("disabled", "Người khuyết tật", "Person with disability"),
                          ("child", "Trẻ em không có nguồn nuôi dưỡng", "Child without support"),
                          ("single_parent", "Người đơn thân nghèo đang nuôi con", "Poor single parent")]),
                  confirm()]),
        p("1.001758", "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", "bao-tro-xa-hoi", U, days="3",
          description="Trợ cấp mai táng cho người đang hưởng trợ cấp xã hội hàng tháng qua đời.",
          result="Quyết định hỗ trợ chi phí mai táng.", law=BTXH_LAW,
          documents=[doc("to-khai", "Tờ khai đề nghị hỗ trợ chi phí mai táng (theo mẫu)"),
                     doc("giay-chung-tu", "Bản sao giấy chứng tử hoặc trích lục khai tử", form="copy",
                         reusable=["store:death_extract"])],
          fees=[],
          schema=[*applicant(), *deceased_block(), confirm()]),
        # --- Bảo hiểm y tế ----------------------------------------------------------------------
        p("1.000229", "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi", "bao-hiem-y-te", ["000.00.21.H62"], level="province",
          days="5", description="Trẻ em dưới 6 tuổi được cấp thẻ bảo hiểm y tế miễn phí do ngân sách nhà nước đóng.",
          result="Thẻ bảo hiểm y tế (bản giấy hoặc bản điện tử trên VNeID).", law=BHYT_LAW,
          documents=[doc("to-khai-tk1", "Tờ khai tham gia, điều chỉnh thông tin bảo hiểm xã hội, bảo hiểm y tế (Mẫu TK1-TS)"),
                     doc("giay-khai-sinh", "Giấy khai sinh của trẻ (bản điện tử)", mandatory=False,
                         reusable=["store:birth_extract"])],
          fees=[], schema=[*applicant(), *child_block()[:3], confirm()]),
        p("1.000231", "Cấp lại, đổi thẻ bảo hiểm y tế", "bao-hiem-y-te", ["000.00.21.H62"], level="province", days="3",
          result="Thẻ bảo hiểm y tế.", law=BHYT_LAW,
          documents=[doc("to-khai-tk1", "Tờ khai tham gia, điều chỉnh thông tin bảo hiểm xã hội, bảo hiểm y tế (Mẫu TK1-TS)")],
          fees=[], schema=[*applicant(), t("card_no", "Mã số bảo hiểm xã hội", "Social insurance number", pattern=r"\d{10}"),
                           t("reason", "Lý do cấp lại, đổi thẻ", "Reason", max_length=255), confirm()]),
        # --- Công Thương ------------------------------------------------------------------------
        p("2.000636", "Cấp Giấy phép bán buôn rượu trên địa bàn tỉnh", "cong-thuong", ["000.00.13.H62"], level="province",
          days="10", online="partial", result="Giấy phép bán buôn rượu (thời hạn 05 năm).",
          law="Nghị định số 105/2017/NĐ-CP về kinh doanh rượu;\nThông tư số 168/2016/TT-BTC quy định phí thẩm định kinh doanh hàng hóa có điều kiện.",
          documents=[doc("don-de-nghi", "Đơn đề nghị cấp Giấy phép bán buôn rượu (theo mẫu)"),
                     doc("gcn-dkdn", "Bản sao Giấy chứng nhận đăng ký doanh nghiệp", form="copy"),
                     doc("hop-dong", "Bản sao hợp đồng nguyên tắc với thương nhân sản xuất, phân phối rượu", form="copy")],
          fees=[fee("Phí thẩm định điều kiện kinh doanh", 1200000, kind="charge", note="Tại các phường; tại các xã 600.000 đồng")],
          schema=[t("company_name", "Tên thương nhân", "Trader", max_length=255),
                  t("tax_code", "Mã số doanh nghiệp", "Enterprise code", pattern=r"\d{10}(-\d{3})?"),
                  t("head_office", "Địa chỉ trụ sở", "Head office", type_="address"), confirm()]),
        p("2.000591", "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "cong-thuong", ["000.00.13.H62"],
          level="province", days="20", online="partial", result="Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm.",
          law="Luật An toàn thực phẩm số 55/2010/QH12;\nNghị định số 15/2018/NĐ-CP;\nThông tư số 67/2021/TT-BTC quy định phí thẩm định an toàn thực phẩm.",
          documents=[doc("don-de-nghi", "Đơn đề nghị cấp Giấy chứng nhận (theo mẫu)"),
                     doc("thuyet-minh", "Bản thuyết minh về cơ sở vật chất, trang thiết bị, dụng cụ"),
                     doc("giay-kham-suc-khoe", "Giấy xác nhận đủ sức khỏe của chủ cơ sở và người trực tiếp sản xuất, kinh doanh",
                         form="copy")],
          fees=[fee("Phí thẩm định cơ sở kinh doanh thực phẩm", 1000000, kind="charge")],
          schema=[t("facility_name", "Tên cơ sở", "Facility", max_length=255),
                  t("facility_address", "Địa chỉ cơ sở", "Facility address", type_="address"),
                  t("products", "Nhóm sản phẩm kinh doanh", "Products", type_="textarea", max_length=1000), confirm()]),
        # --- Y tế -------------------------------------------------------------------------------
        p("1.012255", "Cấp mới giấy phép hành nghề khám bệnh, chữa bệnh", "y-te", ["000.00.14.H62"], level="province",
          days="30", unit="calendar_days", online="partial", eid=2,
          result="Giấy phép hành nghề khám bệnh, chữa bệnh.",
          law="Luật Khám bệnh, chữa bệnh số 15/2023/QH15;\nNghị định số 96/2023/NĐ-CP;\nThông tư số 59/2023/TT-BTC quy định phí thẩm định cấp giấy phép hành nghề.",
          documents=[doc("don-de-nghi", "Đơn đề nghị cấp giấy phép hành nghề (theo mẫu)"),
                     doc("van-bang", "Bản sao văn bằng chuyên môn", form="certified_copy", reusable=["store:diploma"]),
                     doc("giay-kham-suc-khoe", "Giấy chứng nhận đủ sức khỏe hành nghề"),
                     doc("anh", "02 ảnh màu 04 cm x 06 cm", copies=2)],
          fees=[fee("Phí thẩm định cấp giấy phép hành nghề", 360000, kind="charge")],
          schema=[*applicant(), t("profession", "Chức danh chuyên môn", "Professional title", max_length=100),
                  t("scope", "Phạm vi hành nghề đề nghị", "Scope of practice", type_="textarea", max_length=1000), confirm()]),
        # --- Lao động ---------------------------------------------------------------------------
        p("1.000459", "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam", "lao-dong",
          ["000.00.15.H62"], level="province", days="10", online="partial",
          result="Giấy phép lao động (thời hạn tối đa 02 năm).",
          law="Bộ luật Lao động số 45/2019/QH14;\nNghị định số 152/2020/NĐ-CP, sửa đổi bởi Nghị định số 70/2023/NĐ-CP.",
          documents=[doc("van-ban-de-nghi", "Văn bản đề nghị cấp giấy phép lao động của người sử dụng lao động (Mẫu số 11/PLI)"),
                     doc("giay-kham-suc-khoe", "Giấy chứng nhận sức khỏe", form="original"),
                     doc("ly-lich-tu-phap", "Phiếu lý lịch tư pháp hoặc văn bản xác nhận không phải là người đang chấp hành hình phạt",
                         form="certified_copy"),
                     doc("ho-chieu", "Bản sao hộ chiếu", form="certified_copy"),
                     doc("anh", "02 ảnh màu 04 cm x 06 cm", copies=2)],
          fees=[fee("Lệ phí cấp giấy phép lao động", 600000)],
          schema=[t("employer", "Tên người sử dụng lao động", "Employer", max_length=255),
                  t("worker_name", "Họ và tên người lao động nước ngoài", "Foreign worker's name", max_length=100),
                  t("passport", "Số hộ chiếu", "Passport number", max_length=20),
                  t("position", "Vị trí công việc", "Position", max_length=255), confirm()]),
        # --- Liên thông (Đề án 06) -------------------------------------------------------------
        p("1.012850", "Liên thông thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
          "lien-thong", [U[0], CA[0], "000.00.21.H62"], days="5", popularity=800, is_bundle=True,
          description="Một lần nộp hồ sơ trực tuyến để đăng ký khai sinh, đăng ký thường trú và cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi. Mỗi cơ quan giải quyết phần việc của mình và trả kết quả riêng.",
          requirements="Cha, mẹ của trẻ có tài khoản định danh điện tử mức 2; trẻ được đăng ký thường trú cùng cha hoặc mẹ.",
          result="Giấy khai sinh (bản điện tử và bản giấy); thông tin thường trú của trẻ; thẻ bảo hiểm y tế của trẻ (bản điện tử).",
          law=LIEN_THONG_LAW, eid=2,
          documents=[doc("to-khai-lien-thong", "Tờ khai điện tử liên thông (điền trực tuyến)"),
                     doc("giay-chung-sinh", "Giấy chứng sinh (bản chụp hoặc bản điện tử)", form="copy",
                         reusable=["store:birth_certificate_medical"]),
                     doc("giay-to-cho-o", "Giấy tờ chứng minh chỗ ở hợp pháp (nếu chưa có trong Cơ sở dữ liệu)",
                         form="copy", mandatory=False)],
          fees=[fee("Lệ phí", 0, note="Miễn lệ phí đối với cả ba thủ tục")],
          schema=[*applicant(), *child_block(),
                  t("residence_address", "Địa chỉ đăng ký thường trú cho trẻ", "Child's permanent residence", type_="address"),
                  t("household_head_id", "Số định danh cá nhân của chủ hộ", "Head of household's ID number", type_="cccd"),
                  confirm()],
          parts=[("Đăng ký khai sinh", U[0], "1.001193"), ("Đăng ký thường trú", CA[0], "1.004194"),
                 ("Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi", "000.00.21.H62", "1.000229")]),
        p("1.012851", "Liên thông thủ tục hành chính về đăng ký khai tử, xóa đăng ký thường trú, hưởng chế độ tử tuất, hỗ trợ chi phí mai táng",
          "lien-thong", [U[0], CA[0], "000.00.21.H62"], days="10", popularity=150, is_bundle=True,
          description="Một lần nộp hồ sơ để đăng ký khai tử, xóa đăng ký thường trú của người đã mất và giải quyết trợ cấp mai táng, tử tuất cho thân nhân.",
          result="Trích lục khai tử; thông tin xóa đăng ký thường trú; quyết định hưởng trợ cấp mai táng/tử tuất.",
          law=LIEN_THONG_LAW + "\nLuật Bảo hiểm xã hội số 41/2024/QH15.", eid=2,
          documents=[doc("to-khai-lien-thong", "Tờ khai điện tử liên thông (điền trực tuyến)"),
                     doc("giay-bao-tu", "Giấy báo tử hoặc giấy tờ thay thế Giấy báo tử", form="copy"),
                     doc("so-tai-khoan", "Thông tin tài khoản ngân hàng của người nhận trợ cấp", mandatory=False)],
          fees=[fee("Lệ phí", 0, note="Miễn lệ phí")],
          schema=[*applicant(), *deceased_block(),
                  t("bank_account", "Số tài khoản nhận trợ cấp", "Bank account for the allowance", required=False,
                    pattern=r"\d{6,20}"),
                  confirm()],
          parts=[("Đăng ký khai tử", U[0], "1.000656"), ("Xóa đăng ký thường trú", CA[0], "1.004206"),
                 ("Giải quyết hưởng trợ cấp mai táng, chế độ tử tuất", "000.00.21.H62", None)]),
    ]  # fmt: skip


def catalog() -> dict:
    """The demo catalog in the import format of catalog.transfer."""
    return {
        "format": "portal-catalog",
        "version": 1,
        "fields": [
            {"code": code, "name": name, "name_en": en, "position": i} for i, (code, name, en) in enumerate(FIELDS)
        ],
        "agencies": agencies(),
        "procedures": procedures(),
    }
