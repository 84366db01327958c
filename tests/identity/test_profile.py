import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from identity import roles
from identity.models import User
from identity.services import user_verify_in_person
from portal.models import AuditEvent, Province, Ward
from tests.catalog.factories import AgencyFactory

from .factories import UserFactory, cccd_number, official

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    vl = Province.objects.create(code=86, name="Vĩnh Long", division_type="tỉnh", codename="vinh_long")
    ct = Province.objects.create(code=92, name="Cần Thơ", division_type="thành phố", codename="can_tho")
    w1 = Ward.objects.create(
        code=29500, name="Phường Long Châu", division_type="phường", codename="long_chau", province=vl
    )
    w2 = Ward.objects.create(
        code=31000, name="Phường Ninh Kiều", division_type="phường", codename="ninh_kieu", province=ct
    )
    return vl, ct, w1, w2


def _data(**over):
    data = {
        "full_name": "Nguyễn Văn An",
        "personal_id": cccd_number(sex="M", birth=dt.date(1990, 1, 15)),
        "date_of_birth": "1990-01-15",
        "sex": "M",
        "phone": "0912 345 678",
        "address_line": "Ấp Phước Hòa",
        "notify_email": "on",
    }
    data.update(over)
    return data


def test_profile_shows_level_and_ways_to_level2(client, units):
    client.force_login(UserFactory())
    text = client.get(reverse("identity:profile")).content.decode()
    assert "Định danh mức 1" in text and "Xác thực bằng VNeID" in text and "Đề nghị xác thực trực tiếp" in text
    # default province is Vĩnh Long: its communes are listed, others are not
    assert "Phường Long Châu" in text and "Phường Ninh Kiều" not in text


def test_profile_saves_valid_data(client, units):
    vl, _ct, w1, _w2 = units
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("identity:profile"), _data(province=vl.pk, ward=w1.pk))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone == "0912345678" and user.ward == w1 and user.notify_email and not user.notify_sms


def test_profile_rejects_inconsistent_cccd_in_vietnamese(client, units):
    client.force_login(UserFactory())
    page = client.post(reverse("identity:profile"), _data(sex="F"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "error-summary" in text and "giới tính" in text
    assert 'aria-describedby="id_personal_id_helptext id_personal_id_error"' in text
    page = client.post(reverse("identity:profile"), _data(personal_id="12345"))
    assert "đúng 12 chữ số" in page.content.decode()


def test_ward_must_belong_to_province_and_refresh_without_js(client, units):
    vl, ct, _w1, w2 = units
    client.force_login(UserFactory())
    page = client.post(reverse("identity:profile"), _data(province=vl.pk, ward=w2.pk))
    assert page.status_code == 200
    refreshed = client.post(reverse("identity:profile"), _data(province=ct.pk, refresh_wards="1"))
    text = refreshed.content.decode()
    assert "Phường Ninh Kiều" in text and "Phường Long Châu" not in text and "error-summary" not in text


def test_verified_fields_are_locked(client, units):
    user = UserFactory(identity_level=2, full_name="Trần Thị Bích Ngọc", personal_id=cccd_number(sex="F"))
    client.force_login(user)
    client.post(reverse("identity:profile"), _data(full_name="Someone Else"))
    user.refresh_from_db()
    assert user.full_name == "Trần Thị Bích Ngọc"


def test_in_person_verification_by_intake_official_is_audited():
    citizen = UserFactory(
        personal_id=cccd_number(sex="M", birth=dt.date(1990, 1, 15)), date_of_birth=dt.date(1990, 1, 15)
    )
    agency = AgencyFactory()
    with pytest.raises(PermissionDenied, match="Chỉ cán bộ tiếp nhận tại Bộ phận Một cửa"):
        user_verify_in_person(citizen=citizen, official=official(agency, roles.PROCESSING))
    clerk = official(agency, roles.INTAKE)
    user_verify_in_person(citizen=citizen, official=clerk)
    citizen.refresh_from_db()
    assert citizen.identity_level == User.Level.LEVEL_2 and citizen.verified_via == "in_person"
    event = AuditEvent.objects.get()
    assert (event.actor, event.subject, event.action) == (clerk, citizen, "verify")


def test_mrz_page(client):
    client.force_login(UserFactory())
    mrz = "IDVNM0900012345079090001234<<<\n9001158M3501151VNM<<<<<<<<<<<5\nNGUYEN<VAN<<AN<<<<<<<<<<<<<<<<"
    assert "Tất cả các số kiểm tra đều đúng" in client.post(reverse("identity:mrz"), {"mrz": mrz}).content.decode()
    bad = mrz.replace("9001158", "9001168")
    assert "ngày sinh" in client.post(reverse("identity:mrz"), {"mrz": bad}).content.decode()


def test_qr_upload_prefills_profile(client):
    import io

    import segno
    from django.core.files.uploadedfile import SimpleUploadedFile

    user = UserFactory(full_name="")
    client.force_login(user)
    buffer = io.BytesIO()
    segno.make("086190001234|123456789|Trần Thị Bích Ngọc|14031990|Nữ|Phường Long Châu, Vĩnh Long|20052021").save(
        buffer, kind="png", scale=6
    )
    page = client.post(reverse("identity:cccd-qr"), {"photo": SimpleUploadedFile("qr.png", buffer.getvalue())})
    assert "Trần Thị Bích Ngọc" in page.content.decode()
    client.post(reverse("identity:cccd-qr"), {"apply": "1"})
    user.refresh_from_db()
    assert user.personal_id == "086190001234" and user.sex == "F" and user.date_of_birth == dt.date(1990, 3, 14)

    blank = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (200, 200), "white").save(blank, "PNG")
    page = client.post(reverse("identity:cccd-qr"), {"photo": SimpleUploadedFile("x.png", blank.getvalue())})
    assert "Không tìm thấy mã QR" in page.content.decode()


def test_login_and_signup_pages_in_vietnamese(client):
    login = client.get(reverse("account_login")).content.decode()
    assert "Đăng nhập bằng VNeID" in login and "extends" not in login and "site-header" in login
    signup = client.get(reverse("account_signup")).content.decode()
    assert "Đăng ký tài khoản" in signup and "Đăng nhập bằng VNeID" in signup


def test_signup_sends_a_vietnamese_confirmation_email(client, mailoutbox):
    response = client.post(
        reverse("account_signup"),
        {"email": "moi@example.test", "password1": "Mat-khau-that-dai-2026", "password2": "Mat-khau-that-dai-2026"},
    )
    assert response.status_code == 302
    user = User.objects.get(email="moi@example.test")
    assert user.identity_level == 1
    assert len(mailoutbox) == 1
    assert "Vui lòng xác nhận địa chỉ email" in mailoutbox[0].subject
    assert "xác nhận" in mailoutbox[0].body


def test_password_reset_email_in_vietnamese(client, mailoutbox):
    UserFactory(email="quen@example.test")
    client.post(reverse("account_reset_password"), {"email": "quen@example.test"})
    assert len(mailoutbox) == 1 and "Email đặt lại mật khẩu" in mailoutbox[0].subject
