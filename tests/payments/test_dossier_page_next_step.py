"""The dossier page leads with the one next step; the gateway's return brings the applicant back
to it (issue 18)."""

import re

from django.urls import reverse

from payments.models import Payment

from .test_views import IPN, _momo, _vnpay


def _next_step(html: str) -> str:
    match = re.search(r'<section class="card next-step[^"]*".*?</section>', html, re.S)
    assert match, "no next-step card"
    return match.group(0)


def test_a_dossier_with_its_fee_due_leads_with_pay_now(client, dossier):
    client.force_login(dossier.citizen)
    html = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    card = _next_step(html)
    assert "Nộp phí, lệ phí" in card and 'href="#thanh-toan"' in card and "Thanh toán ngay" in card
    # The card comes before the summary and the payment panel it points to.
    assert html.index("next-step") < html.index('class="facts"') < html.index('id="thanh-toan"')


def test_once_paid_the_next_step_is_waiting_for_intake(client, pending_payment):
    client.get(IPN, _vnpay(pending_payment))
    dossier = pending_payment.dossier
    client.force_login(dossier.citizen)
    card = _next_step(client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode())
    assert "Chờ cơ quan tiếp nhận hồ sơ" in card and "Thanh toán ngay" not in card


def test_the_gateway_return_brings_the_applicant_back_to_the_dossier_page(client, pending_payment):
    client.get(IPN, _vnpay(pending_payment))
    dossier = pending_payment.dossier
    client.force_login(dossier.citizen)
    response = client.get("/payments/vnpay/return/", _vnpay(pending_payment))
    assert response.status_code == 302 and response.url == reverse("dossiers:detail", args=[dossier.pk])
    page = client.get(response.url).content.decode()
    assert "Thanh toán thành công" in page and dossier.code in page
    assert "Chờ cơ quan tiếp nhận hồ sơ" in _next_step(page)


def test_a_cancelled_payment_returns_to_the_page_that_still_says_pay(client, momo_payment):
    body = _momo(momo_payment, result_code=1006)
    client.post("/payments/momo/ipn/", data=body, content_type="application/json")
    dossier = momo_payment.dossier
    client.force_login(dossier.citizen)
    response = client.get("/payments/momo/return/", {k: str(v) for k, v in body.items()}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("dossiers:detail", args=[dossier.pk])
    assert "Bạn đã hủy thanh toán" in page
    assert "Thanh toán ngay" in _next_step(page)
    assert Payment.objects.get(pk=momo_payment.pk).status != Payment.Status.PAID


def test_someone_else_returning_from_the_gateway_sees_the_result_page_only(client, pending_payment):
    response = client.get("/payments/vnpay/return/", _vnpay(pending_payment))
    assert response.status_code == 200 and "Chờ xác nhận" in response.content.decode()
