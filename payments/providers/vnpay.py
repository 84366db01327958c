"""VNPay 2.1.0: payment URL, return/IPN verification, querydr and refund over the merchant web API."""

import secrets
from decimal import Decimal
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from payments import signing
from payments.text import ascii_fold

from .base import GatewayResult, PaymentProvider, ProviderError, RefundResult, provider_registry

VERSION = "2.1.0"
TIMEOUT = 15


def _vn_time(dt) -> str:
    return timezone.localtime(dt).strftime("%Y%m%d%H%M%S")


def _status_from_codes(response_code: str, transaction_status: str) -> str:
    if response_code == "00" and transaction_status == "00":
        return "paid"
    if response_code == "24" or transaction_status == "24":
        return "cancelled"
    if response_code == "11" or transaction_status == "11":
        return "expired"
    return "failed"


@provider_registry.register
class VNPayProvider(PaymentProvider):
    id = "vnpay"
    label = "VNPay"

    @property
    def secret(self) -> str:
        return settings.VNPAY_HASH_SECRET

    def start(self, *, payment, client_ip: str) -> str:
        params = {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": settings.VNPAY_TMN_CODE,
            "vnp_Amount": str(int(payment.amount) * 100),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": payment.reference,
            "vnp_OrderInfo": ascii_fold(f"Thanh toan le phi ho so {payment.dossier.code or payment.dossier_id}"),
            "vnp_OrderType": "billpayment",
            "vnp_Locale": "vn",
            "vnp_ReturnUrl": settings.SITE_URL + reverse("payments:vnpay-return"),
            "vnp_IpAddr": client_ip or "127.0.0.1",
            "vnp_CreateDate": _vn_time(payment.created_at),
            "vnp_ExpireDate": _vn_time(payment.expires_at),
        }
        params["vnp_SecureHash"] = signing.vnpay_sign(params, self.secret)
        return settings.VNPAY_PAYMENT_URL + "?" + urlencode(params)

    def parse_callback(self, params: dict) -> GatewayResult | None:
        """Return/IPN query parameters -> result, or None when the signature is not VNPay's."""
        if not signing.vnpay_verify(params, self.secret):
            return None
        try:
            amount = Decimal(str(params.get("vnp_Amount", ""))) / 100
        except ArithmeticError:
            amount = None
        response_code = str(params.get("vnp_ResponseCode", ""))
        return GatewayResult(
            status=_status_from_codes(response_code, str(params.get("vnp_TransactionStatus", ""))),
            reference=str(params.get("vnp_TxnRef", "")),
            amount=amount,
            transaction_no=str(params.get("vnp_TransactionNo", "")),
            response_code=response_code,
            bank_code=str(params.get("vnp_BankCode", "")),
            raw=dict(params),
        )

    def _post(self, body: dict, response_fields: list[str]) -> dict:
        try:
            resp = requests.post(settings.VNPAY_API_URL, json=body, timeout=TIMEOUT)
            data = resp.json()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderError(f"VNPay API unreachable: {exc}") from exc
        if data.get("vnp_SecureHash") and not (
            signing.vnpay_pipe_sign_fields(data, response_fields, self.secret) == str(data["vnp_SecureHash"]).lower()
        ):
            raise ProviderError("VNPay API answer has an invalid signature")
        return data

    def query(self, *, payment) -> GatewayResult:
        body = {
            "vnp_RequestId": secrets.token_hex(8),
            "vnp_Version": VERSION,
            "vnp_Command": "querydr",
            "vnp_TmnCode": settings.VNPAY_TMN_CODE,
            "vnp_TxnRef": payment.reference,
            "vnp_OrderInfo": ascii_fold(f"Truy van giao dich {payment.reference}"),
            "vnp_TransactionDate": _vn_time(payment.created_at),
            "vnp_CreateDate": _vn_time(timezone.now()),
            "vnp_IpAddr": "127.0.0.1",
        }
        body["vnp_SecureHash"] = signing.vnpay_pipe_sign_fields(body, signing.VNPAY_QUERYDR_REQUEST, self.secret)
        try:
            data = self._post(body, signing.VNPAY_QUERYDR_RESPONSE)
        except ProviderError as exc:
            return GatewayResult(status="error", reference=payment.reference, message=str(exc))
        code = str(data.get("vnp_ResponseCode", ""))
        if code == "91":
            return GatewayResult(status="not_found", reference=payment.reference, response_code=code, raw=data)
        if code != "00":
            return GatewayResult(status="error", reference=payment.reference, response_code=code, raw=data)
        tstatus = str(data.get("vnp_TransactionStatus", ""))
        status = "pending" if tstatus == "01" else _status_from_codes("00", tstatus)
        amount = Decimal(str(data.get("vnp_Amount") or 0)) / 100
        return GatewayResult(
            status=status,
            reference=payment.reference,
            amount=amount,
            transaction_no=str(data.get("vnp_TransactionNo", "")),
            response_code=tstatus,
            bank_code=str(data.get("vnp_BankCode", "")),
            raw=data,
        )

    def refund(self, *, refund, client_ip: str = "127.0.0.1") -> RefundResult:
        payment = refund.payment
        body = {
            "vnp_RequestId": secrets.token_hex(8),
            "vnp_Version": VERSION,
            "vnp_Command": "refund",
            "vnp_TmnCode": settings.VNPAY_TMN_CODE,
            "vnp_TransactionType": "02" if refund.amount == payment.amount else "03",
            "vnp_TxnRef": payment.reference,
            "vnp_Amount": str(int(refund.amount) * 100),
            "vnp_OrderInfo": ascii_fold(f"Hoan tien {payment.reference}"),
            "vnp_TransactionNo": payment.gateway_transaction_no,
            "vnp_TransactionDate": _vn_time(payment.created_at),
            "vnp_CreateBy": "portal",
            "vnp_CreateDate": _vn_time(timezone.now()),
            "vnp_IpAddr": client_ip,
        }
        body["vnp_SecureHash"] = signing.vnpay_pipe_sign_fields(body, signing.VNPAY_REFUND_REQUEST, self.secret)
        try:
            data = self._post(body, signing.VNPAY_REFUND_RESPONSE)
        except ProviderError as exc:
            return RefundResult(status="error", message=str(exc))
        if str(data.get("vnp_ResponseCode")) == "00":
            return RefundResult(
                status="done", transaction_no=str(data.get("vnp_TransactionNo", "")), message="", raw=data
            )
        return RefundResult(status="failed", message=str(data.get("vnp_Message", "")), raw=data)
