import pytest

from portal.channels import (
    SMS_MAX_SEGMENTS,
    SMS_PART,
    SMS_SINGLE,
    PermanentChannelError,
    channel_get,
    sms_compose,
    sms_length,
    sms_plain,
    sms_segments,
)

URL = "https://dichvucong.vinhlong.gov.vn/ho-so/000.00.31.H57-261122-0001/"


def test_vietnamese_text_loses_its_diacritics():
    assert sms_plain("Đăng ký khai sinh cho bé Nguyễn Thị Hường") == "Dang ky khai sinh cho be Nguyen Thi Huong"
    assert sms_plain("đ Đ ư Ư ơ Ờ ỹ Ỵ “trả” kết quả – 50.000₫") == 'd D u U o O y Y "tra" ket qua - 50.000d'
    assert sms_plain("tab\tand\nnewline") == "tab and newline"
    assert sms_plain("Ðặng Văn Ðạt") == "Dang Van Dat"  # U+00D0 typed for Đ


def test_non_gsm_characters_are_replaced():
    text = sms_plain("Hồ sơ ✅ 中文")
    assert text.startswith("Ho so ")
    assert all(ord(ch) < 128 for ch in text)


def test_short_text_is_one_segment_with_the_url():
    message = sms_compose("Hồ sơ 000.00.31.H57-261122-0001 đã được tiếp nhận.", URL)
    assert message.endswith(URL)
    assert sms_length(message) <= SMS_SINGLE
    assert sms_segments(message) == [message]


def test_longer_text_is_split_into_at_most_three_segments():
    body = "Hồ sơ của bạn cần bổ sung giấy tờ: bản sao giấy chứng sinh, giấy đăng ký kết hôn của cha mẹ. " * 3
    message = sms_compose(body, URL)
    segments = sms_segments(message)
    assert 1 < len(segments) <= SMS_MAX_SEGMENTS
    assert all(sms_length(s) <= SMS_PART for s in segments)
    assert "".join(segments) == message
    assert message.endswith(URL)


def test_too_long_text_is_truncated_keeping_the_url_whole():
    body = "Yêu cầu bổ sung, hoàn thiện hồ sơ theo quy định. " * 30
    message = sms_compose(body, URL)
    assert message.endswith("... " + URL)
    assert sms_length(message) <= SMS_PART * SMS_MAX_SEGMENTS
    assert len(sms_segments(message)) == SMS_MAX_SEGMENTS


def test_extension_characters_count_double():
    assert sms_length("{}") == 4
    assert sms_segments("[" * 80) == ["[" * 80]
    assert len(sms_segments("[" * 81)) == 2


def test_channels_come_from_the_registry_chosen_in_settings(settings):
    assert channel_get("sms").id == "sms-outbox"
    settings.NOTIFICATION_CHANNEL_PLUGINS = {**settings.NOTIFICATION_CHANNEL_PLUGINS, "sms": "sms-http"}
    assert channel_get("sms").id == "sms-http"
    assert channel_get("email").id == "email"
    settings.NOTIFICATION_CHANNEL_PLUGINS = {**settings.NOTIFICATION_CHANNEL_PLUGINS, "sms": "nope"}
    with pytest.raises(PermanentChannelError, match="unknown notification channel plugin 'nope'"):
        channel_get("sms")


@pytest.mark.django_db
def test_sandbox_gateway_checks_token_and_text(client, settings):
    url = "/sandbox/sms/send/"
    payload = {"to": "0912345678", "text": "Ho so da duoc tiep nhan", "reference": "r1", "brandname": "DVC"}
    auth = {"HTTP_AUTHORIZATION": f"Bearer {settings.SANDBOX_SMS_TOKEN}"}
    assert client.post(url, payload, content_type="application/json").status_code == 401
    bad = {**payload, "text": "Hồ sơ đã được tiếp nhận"}
    assert client.post(url, bad, content_type="application/json", **auth).status_code == 422
    first = client.post(url, payload, content_type="application/json", **auth).json()
    again = client.post(url, payload, content_type="application/json", **auth).json()
    assert first["status"] == "accepted" and not first["duplicate"]
    assert again["id"] == first["id"] and again["duplicate"]
