"""Built-in sandbox gateways (mounted under /sandbox/ only when settings.SANDBOX_ENABLED).

They play the part of VNPay and MoMo with the same messages and signatures: a payment page where
the payer confirms or cancels, the browser redirect to the merchant's return URL, the
server-to-server IPN over real HTTP, and the query/refund APIs. They know the demo merchant's
keys from the same settings the portal uses.
"""

import json
import logging
import secrets
import time
from decimal import Decimal
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import signing
from .models import SandboxTransaction

logger = logging.getLogger(__name__)

VNPAY_BANKS = [
    ("NCB", "NCB — Ngân hàng Quốc Dân"),
    ("VCB", "Vietcombank"),
    ("BIDV", "BIDV"),
    ("VIETINBANK", "VietinBank"),
    ("AGRIBANK", "Agribank"),
    ("TECHCOMBANK", "Techcombank"),
    ("VNPAYQR", "VNPAY-QR"),
]
MOMO_PAY_TYPES = [("qr", "Ví MoMo (quét mã QR)"), ("napas", "Thẻ ATM nội địa"), ("credit", "Thẻ Visa / Master")]
IPN_TIMEOUT = 15


def _vn_now() -> str:
    return timezone.localtime().strftime("%Y%m%d%H%M%S")


def _deliver(method: str, url: str, **kwargs) -> dict:
    """Call the merchant's IPN like the real gateway does; a failure is recorded, not raised."""
    try:
        resp = requests.request(method, url, timeout=IPN_TIMEOUT, **kwargs)
        return {"status": resp.status_code, "body": resp.text[:500]}
    except requests.RequestException as exc:
        logger.warning("sandbox IPN to %s failed: %s", url, exc)
        return {"error": str(exc)[:500]}


def _finish(txn: SandboxTransaction, status: str, *, bank_code: str, response_code: str) -> bool:
    with transaction.atomic():
        changed = SandboxTransaction.objects.filter(pk=txn.pk, status=SandboxTransaction.Status.PENDING).update(
            status=status,
            bank_code=bank_code[:30],
            response_code=response_code,
            transaction_no=str(14000000 + txn.pk),
            finished_at=timezone.now(),
        )
    txn.refresh_from_db()
    return bool(changed)


# --- VNPay ----------------------------------------------------------------------------------------


def vnpay_result_params(txn: SandboxTransaction) -> dict:
    success = txn.status in (SandboxTransaction.Status.SUCCESS, SandboxTransaction.Status.REFUNDED)
    params = {
        "vnp_Amount": str(int(txn.amount) * 100),
        "vnp_BankCode": txn.bank_code,
        "vnp_BankTranNo": f"VNP{txn.transaction_no}" if success else "",
        "vnp_CardType": "ATM" if success else "",
        "vnp_OrderInfo": txn.order_info,
        "vnp_PayDate": timezone.localtime(txn.finished_at or timezone.now()).strftime("%Y%m%d%H%M%S"),
        "vnp_ResponseCode": txn.response_code,
        "vnp_TmnCode": txn.merchant,
        "vnp_TransactionNo": txn.transaction_no if success else "0",
        "vnp_TransactionStatus": "00" if success else "02",
        "vnp_TxnRef": txn.order_ref,
    }
    params = {k: v for k, v in params.items() if v != ""}
    params["vnp_SecureHash"] = signing.vnpay_sign(params, settings.VNPAY_HASH_SECRET)
    return params


@require_http_methods(["GET"])
def vnpay_pay(request):
    """vpcpay.html: the payer lands here from the merchant's signed payment URL."""
    params = request.GET.dict()
    error = None
    if params.get("vnp_TmnCode") != settings.VNPAY_TMN_CODE:
        error = "Mã website không tồn tại (TmnCode không hợp lệ)."
    elif not signing.vnpay_verify(params, settings.VNPAY_HASH_SECRET):
        error = "Sai chữ ký (code 70)."
    elif params.get("vnp_Version") != "2.1.0" or params.get("vnp_Command") != "pay":
        error = "Tham số không hợp lệ."
    elif params.get("vnp_ExpireDate", "99999999999999") < _vn_now():
        error = "Giao dịch đã quá thời gian chờ thanh toán (code 11)."
    if error:
        return render(request, "payments/sandbox/vnpay.html", {"error": error}, status=400)
    txn = SandboxTransaction.objects.filter(
        provider="vnpay", merchant=params["vnp_TmnCode"], order_ref=params["vnp_TxnRef"]
    ).first()
    if txn is None:
        txn = SandboxTransaction.objects.create(
            provider="vnpay",
            token=secrets.token_urlsafe(16),
            merchant=params["vnp_TmnCode"],
            order_ref=params["vnp_TxnRef"],
            amount=Decimal(params["vnp_Amount"]) / 100,
            order_info=params.get("vnp_OrderInfo", ""),
            return_url=params["vnp_ReturnUrl"],
            ipn_url=settings.SITE_URL + reverse("payments:vnpay-ipn"),
            extra={"create_date": params.get("vnp_CreateDate"), "expire_date": params.get("vnp_ExpireDate")},
        )
    if txn.status != SandboxTransaction.Status.PENDING:
        return render(request, "payments/sandbox/vnpay.html", {"error": "Giao dịch đã được xử lý."}, status=400)
    return render(request, "payments/sandbox/vnpay.html", {"txn": txn, "banks": VNPAY_BANKS})


@require_POST
def vnpay_confirm(request, token):
    txn = get_object_or_404(SandboxTransaction, provider="vnpay", token=token)
    confirm = request.POST.get("action") == "confirm"
    bank = request.POST.get("bank_code") or "NCB"
    if bank not in dict(VNPAY_BANKS):
        bank = "NCB"
    _finish(
        txn,
        SandboxTransaction.Status.SUCCESS if confirm else SandboxTransaction.Status.CANCELLED,
        bank_code=bank,
        response_code="00" if confirm else "24",
    )
    params = vnpay_result_params(txn)
    if not request.POST.get("lose_ipn"):
        txn.extra = {**txn.extra, "ipn": _deliver("GET", txn.ipn_url, params=params)}
        txn.save(update_fields=["extra"])
    return HttpResponseRedirect(txn.return_url + "?" + urlencode(params))


@csrf_exempt
@require_POST
def vnpay_api(request):
    """merchant_webapi/api/transaction: querydr and refund."""
    secret = settings.VNPAY_HASH_SECRET
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"vnp_ResponseCode": "03", "vnp_Message": "Invalid data format"})
    command = body.get("vnp_Command")
    request_fields = signing.VNPAY_QUERYDR_REQUEST if command == "querydr" else signing.VNPAY_REFUND_REQUEST
    if command not in ("querydr", "refund"):
        return JsonResponse({"vnp_ResponseCode": "03", "vnp_Message": "Invalid command"})
    if str(body.get("vnp_SecureHash", "")).lower() != signing.vnpay_pipe_sign_fields(body, request_fields, secret):
        return JsonResponse({"vnp_ResponseCode": "97", "vnp_Message": "Invalid checksum"})
    if body.get("vnp_TmnCode") != settings.VNPAY_TMN_CODE:
        return JsonResponse({"vnp_ResponseCode": "02", "vnp_Message": "Merchant is not valid"})
    txn = SandboxTransaction.objects.filter(
        provider="vnpay", merchant=body["vnp_TmnCode"], order_ref=body.get("vnp_TxnRef")
    ).first()
    answer = {
        "vnp_ResponseId": secrets.token_hex(8),
        "vnp_Command": command,
        "vnp_TmnCode": body["vnp_TmnCode"],
        "vnp_TxnRef": body.get("vnp_TxnRef", ""),
    }
    if txn is None:
        answer.update({"vnp_ResponseCode": "91", "vnp_Message": "Transaction not found"})
        fields = signing.VNPAY_QUERYDR_RESPONSE if command == "querydr" else signing.VNPAY_REFUND_RESPONSE
        answer["vnp_SecureHash"] = signing.vnpay_pipe_sign_fields(answer, fields, secret)
        return JsonResponse(answer)
    if command == "refund":
        with transaction.atomic():
            ok = SandboxTransaction.objects.filter(pk=txn.pk, status=SandboxTransaction.Status.SUCCESS).update(
                status=SandboxTransaction.Status.REFUNDED
            )
        answer.update(
            {
                "vnp_ResponseCode": "00" if ok else "94",
                "vnp_Message": "Refund success" if ok else "Transaction cannot be refunded",
                "vnp_Amount": body.get("vnp_Amount", ""),
                "vnp_BankCode": txn.bank_code,
                "vnp_PayDate": _vn_now(),
                "vnp_TransactionNo": str(15000000 + txn.pk) if ok else "",
                "vnp_TransactionType": body.get("vnp_TransactionType", "02"),
                "vnp_TransactionStatus": "05" if ok else "02",
                "vnp_OrderInfo": body.get("vnp_OrderInfo", ""),
            }
        )
        answer["vnp_SecureHash"] = signing.vnpay_pipe_sign_fields(answer, signing.VNPAY_REFUND_RESPONSE, secret)
        return JsonResponse(answer)
    tstatus = {
        SandboxTransaction.Status.PENDING: "01",
        SandboxTransaction.Status.SUCCESS: "00",
        SandboxTransaction.Status.CANCELLED: "02",
        SandboxTransaction.Status.REFUNDED: "00",
    }[txn.status]
    answer.update(
        {
            "vnp_ResponseCode": "00",
            "vnp_Message": "QueryDR Success",
            "vnp_Amount": str(int(txn.amount) * 100),
            "vnp_BankCode": txn.bank_code,
            "vnp_PayDate": timezone.localtime(txn.finished_at).strftime("%Y%m%d%H%M%S") if txn.finished_at else "",
            "vnp_TransactionNo": txn.transaction_no,
            "vnp_TransactionType": "01",
            "vnp_TransactionStatus": tstatus,
            "vnp_OrderInfo": txn.order_info,
            "vnp_PromotionCode": "",
            "vnp_PromotionAmount": "",
        }
    )
    answer["vnp_SecureHash"] = signing.vnpay_pipe_sign_fields(answer, signing.VNPAY_QUERYDR_RESPONSE, secret)
    return JsonResponse(answer)


# --- MoMo -----------------------------------------------------------------------------------------


def _momo_keys() -> dict:
    return {"access_key": settings.MOMO_ACCESS_KEY, "secret_key": settings.MOMO_SECRET_KEY}


def _momo_body(request) -> dict | None:
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    if body.get("partnerCode") != settings.MOMO_PARTNER_CODE:
        return None
    return body


def momo_result_body(txn: SandboxTransaction) -> dict:
    success = txn.status in (SandboxTransaction.Status.SUCCESS, SandboxTransaction.Status.REFUNDED)
    body = {
        "partnerCode": txn.merchant,
        "orderId": txn.order_ref,
        "requestId": txn.request_id,
        "amount": int(txn.amount),
        "orderInfo": txn.order_info,
        "orderType": "momo_wallet",
        "transId": int(txn.transaction_no or 0),
        "resultCode": 0 if success else 1006,
        "message": "Thành công." if success else "Giao dịch bị từ chối bởi người dùng.",
        "payType": txn.bank_code or "qr",
        "responseTime": int(time.time() * 1000),
        "extraData": txn.extra.get("extraData", ""),
    }
    body["signature"] = signing.momo_sign(body, signing.MOMO_RESULT_FIELDS, **_momo_keys())
    return body


@csrf_exempt
@require_POST
def momo_create(request):
    body = _momo_body(request)
    if body is None:
        return JsonResponse({"resultCode": 11, "message": "Truy cập bị từ chối."}, status=400)
    if not signing.momo_verify(body, signing.MOMO_CREATE_FIELDS, **_momo_keys()):
        return JsonResponse({"resultCode": 11, "message": "Chữ ký không hợp lệ."}, status=400)
    if body.get("requestType") != "captureWallet":
        return JsonResponse({"resultCode": 20, "message": "requestType không hỗ trợ."}, status=400)
    if SandboxTransaction.objects.filter(
        provider="momo", merchant=body["partnerCode"], order_ref=body["orderId"]
    ).exists():
        return JsonResponse({"resultCode": 41, "message": "Trùng orderId."}, status=400)
    txn = SandboxTransaction.objects.create(
        provider="momo",
        token=secrets.token_urlsafe(16),
        merchant=body["partnerCode"],
        order_ref=body["orderId"],
        request_id=body.get("requestId", ""),
        amount=Decimal(str(body["amount"])),
        order_info=body.get("orderInfo", ""),
        return_url=body["redirectUrl"],
        ipn_url=body["ipnUrl"],
        extra={"extraData": body.get("extraData", "")},
    )
    pay_url = settings.SITE_URL + reverse("sandbox-momo:pay", args=[txn.token])
    answer = {
        "partnerCode": txn.merchant,
        "orderId": txn.order_ref,
        "requestId": txn.request_id,
        "amount": int(txn.amount),
        "responseTime": int(time.time() * 1000),
        "message": "Thành công.",
        "resultCode": 0,
        "payUrl": pay_url,
        "deeplink": "",
        "qrCodeUrl": pay_url,
    }
    answer["signature"] = signing.momo_sign(answer, signing.MOMO_CREATE_RESPONSE_FIELDS, **_momo_keys())
    return JsonResponse(answer)


@require_http_methods(["GET", "POST"])
def momo_pay(request, token):
    txn = get_object_or_404(SandboxTransaction, provider="momo", token=token)
    if request.method == "GET":
        if txn.status != SandboxTransaction.Status.PENDING:
            return render(request, "payments/sandbox/momo.html", {"error": "Giao dịch đã được xử lý."}, status=400)
        return render(request, "payments/sandbox/momo.html", {"txn": txn, "pay_types": MOMO_PAY_TYPES})
    confirm = request.POST.get("action") == "confirm"
    pay_type = request.POST.get("pay_type") or "qr"
    if pay_type not in dict(MOMO_PAY_TYPES):
        pay_type = "qr"
    _finish(
        txn,
        SandboxTransaction.Status.SUCCESS if confirm else SandboxTransaction.Status.CANCELLED,
        bank_code=pay_type,
        response_code="0" if confirm else "1006",
    )
    body = momo_result_body(txn)
    if not request.POST.get("lose_ipn"):
        txn.extra = {**txn.extra, "ipn": _deliver("POST", txn.ipn_url, json=body)}
        txn.save(update_fields=["extra"])
    return HttpResponseRedirect(txn.return_url + "?" + urlencode(body))


@csrf_exempt
@require_POST
def momo_query(request):
    body = _momo_body(request)
    if body is None or not signing.momo_verify(body, signing.MOMO_QUERY_FIELDS, **_momo_keys()):
        return JsonResponse({"resultCode": 11, "message": "Chữ ký không hợp lệ."}, status=400)
    txn = SandboxTransaction.objects.filter(
        provider="momo", merchant=body["partnerCode"], order_ref=body.get("orderId")
    ).first()
    if txn is None:
        return JsonResponse(
            {
                "partnerCode": body["partnerCode"],
                "orderId": body.get("orderId"),
                "resultCode": 42,
                "message": "Không tìm thấy giao dịch.",
            }
        )
    code = {"pending": 1000, "success": 0, "cancelled": 1006, "refunded": 0}[txn.status]
    answer = momo_result_body(txn)
    answer.update(
        {
            "resultCode": code,
            "requestId": body.get("requestId", ""),
            "refundTrans": [],
            "lastUpdated": int(time.time() * 1000),
        }
    )
    answer.pop("signature", None)
    return JsonResponse(answer)


@csrf_exempt
@require_POST
def momo_refund(request):
    body = _momo_body(request)
    if body is None or not signing.momo_verify(body, signing.MOMO_REFUND_FIELDS, **_momo_keys()):
        return JsonResponse({"resultCode": 11, "message": "Chữ ký không hợp lệ."}, status=400)
    txn = SandboxTransaction.objects.filter(provider="momo", transaction_no=str(body.get("transId"))).first()
    if txn is None:
        raise Http404
    with transaction.atomic():
        ok = SandboxTransaction.objects.filter(pk=txn.pk, status=SandboxTransaction.Status.SUCCESS).update(
            status=SandboxTransaction.Status.REFUNDED
        )
    return JsonResponse(
        {
            "partnerCode": body["partnerCode"],
            "orderId": body.get("orderId"),
            "requestId": body.get("requestId"),
            "amount": body.get("amount"),
            "transId": 16000000 + txn.pk if ok else 0,
            "resultCode": 0 if ok else 1080,
            "message": "Thành công." if ok else "Giao dịch không thể hoàn tiền.",
            "responseTime": int(time.time() * 1000),
        }
    )
