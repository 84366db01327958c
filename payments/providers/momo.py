"""MoMo v2 captureWallet: create, IPN/redirect verification, query and refund."""

import secrets
from decimal import Decimal

import requests
from django.conf import settings
from django.urls import reverse

from payments import signing

from .base import GatewayResult, PaymentProvider, ProviderError, RefundResult, provider_registry

TIMEOUT = 15
PENDING_CODES = {1000, 7000, 7002, 8000, 9000}


def status_from_result_code(code) -> str:
    try:
        code = int(code)
    except (TypeError, ValueError):
        return "failed"
    if code == 0:
        return "paid"
    if code in PENDING_CODES:
        return "pending"
    if code in (1003, 1006, 1017):
        return "cancelled"
    if code == 1005:
        return "expired"
    return "failed"


@provider_registry.register
class MoMoProvider(PaymentProvider):
    id = "momo"
    label = "MoMo"

    @property
    def keys(self) -> dict:
        return {"access_key": settings.MOMO_ACCESS_KEY, "secret_key": settings.MOMO_SECRET_KEY}

    def _post(self, path: str, body: dict) -> dict:
        try:
            resp = requests.post(settings.MOMO_ENDPOINT.rstrip("/") + path, json=body, timeout=TIMEOUT)
            return resp.json()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderError(f"MoMo API unreachable: {exc}") from exc

    def start(self, *, payment, client_ip: str) -> str:
        body = {
            "partnerCode": settings.MOMO_PARTNER_CODE,
            "requestId": payment.reference,
            "amount": int(payment.amount),
            "orderId": payment.reference,
            "orderInfo": f"Thanh toán lệ phí hồ sơ {payment.dossier.code or payment.dossier_id}",
            "redirectUrl": settings.SITE_URL + reverse("payments:momo-return"),
            "ipnUrl": settings.SITE_URL + reverse("payments:momo-ipn"),
            "requestType": "captureWallet",
            "extraData": "",
            "lang": "vi",
        }
        body["signature"] = signing.momo_sign(body, signing.MOMO_CREATE_FIELDS, **self.keys)
        data = self._post("/v2/gateway/api/create", body)
        if str(data.get("resultCode")) != "0" or not data.get("payUrl"):
            raise ProviderError(f"MoMo refused the payment: {data.get('resultCode')} {data.get('message', '')}")
        if data.get("signature") and not signing.momo_verify(data, signing.MOMO_CREATE_RESPONSE_FIELDS, **self.keys):
            raise ProviderError("MoMo answer has an invalid signature")
        return data["payUrl"]

    def parse_callback(self, data: dict) -> GatewayResult | None:
        """IPN body or redirect query -> result, or None when the signature is not MoMo's."""
        data = {k: (v if not isinstance(v, list) else v[0]) for k, v in data.items()}
        if not signing.momo_verify(data, signing.MOMO_RESULT_FIELDS, **self.keys):
            return None
        if str(data.get("partnerCode")) != settings.MOMO_PARTNER_CODE:
            return None
        try:
            amount = Decimal(str(data.get("amount")))
        except ArithmeticError:
            amount = None
        return GatewayResult(
            status=status_from_result_code(data.get("resultCode")),
            reference=str(data.get("orderId", "")),
            amount=amount,
            transaction_no=str(data.get("transId", "")),
            response_code=str(data.get("resultCode", "")),
            bank_code=str(data.get("payType", "")),
            message=str(data.get("message", "")),
            raw=data,
        )

    def query(self, *, payment) -> GatewayResult:
        body = {
            "partnerCode": settings.MOMO_PARTNER_CODE,
            "requestId": secrets.token_hex(8),
            "orderId": payment.reference,
            "lang": "vi",
        }
        body["signature"] = signing.momo_sign(body, signing.MOMO_QUERY_FIELDS, **self.keys)
        try:
            data = self._post("/v2/gateway/api/query", body)
        except ProviderError as exc:
            return GatewayResult(status="error", reference=payment.reference, message=str(exc))
        code = data.get("resultCode")
        if str(code) in ("42", "1001"):
            return GatewayResult(status="not_found", reference=payment.reference, response_code=str(code), raw=data)
        return GatewayResult(
            status=status_from_result_code(code),
            reference=payment.reference,
            amount=Decimal(str(data.get("amount") or 0)),
            transaction_no=str(data.get("transId") or ""),
            response_code=str(code),
            bank_code=str(data.get("payType", "")),
            message=str(data.get("message", "")),
            raw=data,
        )

    def refund(self, *, refund, client_ip: str = "127.0.0.1") -> RefundResult:
        body = {
            "partnerCode": settings.MOMO_PARTNER_CODE,
            "orderId": refund.reference,
            "requestId": refund.reference,
            "amount": int(refund.amount),
            "transId": refund.payment.gateway_transaction_no,
            "lang": "vi",
            "description": f"Hoàn lệ phí {refund.payment.reference}",
        }
        body["signature"] = signing.momo_sign(body, signing.MOMO_REFUND_FIELDS, **self.keys)
        try:
            data = self._post("/v2/gateway/api/refund", body)
        except ProviderError as exc:
            return RefundResult(status="error", message=str(exc))
        if str(data.get("resultCode")) == "0":
            return RefundResult(status="done", transaction_no=str(data.get("transId", "")), raw=data)
        return RefundResult(status="failed", message=str(data.get("message", "")), raw=data)
