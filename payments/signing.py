"""Signatures of the gateway protocols (VNPay 2.1.0, MoMo v2), shared by the provider
clients and the built-in sandbox gateways so both sides speak exactly the same rules."""

import hashlib
import hmac
from urllib.parse import quote_plus

VNPAY_HASH_FIELDS_EXCLUDED = ("vnp_SecureHash", "vnp_SecureHashType")


def hmac_sha512(secret: str, data: str) -> str:
    return hmac.new(secret.encode("utf-8"), data.encode("utf-8"), hashlib.sha512).hexdigest()


def hmac_sha256(secret: str, data: str) -> str:
    return hmac.new(secret.encode("utf-8"), data.encode("utf-8"), hashlib.sha256).hexdigest()


def vnpay_hash_data(params: dict) -> str:
    """The `vnp_*` params except the hash fields, empty values dropped, sorted by key,
    joined as key=quote_plus(value) with '&'."""
    items = sorted(
        (key, str(value))
        for key, value in params.items()
        if key.startswith("vnp_") and key not in VNPAY_HASH_FIELDS_EXCLUDED and value not in (None, "")
    )
    return "&".join(f"{key}={quote_plus(value)}" for key, value in items)


def vnpay_sign(params: dict, secret: str) -> str:
    return hmac_sha512(secret, vnpay_hash_data(params))


def vnpay_verify(params: dict, secret: str) -> bool:
    given = str(params.get("vnp_SecureHash", "")).lower()
    return bool(given) and hmac.compare_digest(given, vnpay_sign(params, secret))


def vnpay_pipe_sign(values: list, secret: str) -> str:
    """querydr / refund: HMAC-SHA512 over the fields joined with '|'."""
    return hmac_sha512(secret, "|".join("" if v is None else str(v) for v in values))


# Field orders of the VNPay merchant web API (querydr and refund), requests and responses.
VNPAY_QUERYDR_REQUEST = [
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
]
VNPAY_QUERYDR_RESPONSE = [
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
]
VNPAY_REFUND_REQUEST = [
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
]
VNPAY_REFUND_RESPONSE = [
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
]


def vnpay_pipe_sign_fields(data: dict, fields: list[str], secret: str) -> str:
    return vnpay_pipe_sign([data.get(f, "") for f in fields], secret)


# MoMo v2: HMAC-SHA256 over `key=value` pairs (raw values) in these orders.
MOMO_CREATE_FIELDS = [
    "accessKey",
    "amount",
    "extraData",
    "ipnUrl",
    "orderId",
    "orderInfo",
    "partnerCode",
    "redirectUrl",
    "requestId",
    "requestType",
]
MOMO_CREATE_RESPONSE_FIELDS = [
    "accessKey",
    "amount",
    "message",
    "orderId",
    "partnerCode",
    "payUrl",
    "requestId",
    "responseTime",
    "resultCode",
]
MOMO_RESULT_FIELDS = [
    "accessKey",
    "amount",
    "extraData",
    "message",
    "orderId",
    "orderInfo",
    "orderType",
    "partnerCode",
    "payType",
    "requestId",
    "responseTime",
    "resultCode",
    "transId",
]
MOMO_QUERY_FIELDS = ["accessKey", "orderId", "partnerCode", "requestId"]
MOMO_REFUND_FIELDS = ["accessKey", "amount", "description", "orderId", "partnerCode", "requestId", "transId"]


def momo_raw(data: dict, fields: list[str], access_key: str) -> str:
    values = {**data, "accessKey": access_key}
    return "&".join(f"{f}={'' if values.get(f) is None else values.get(f)}" for f in fields)


def momo_sign(data: dict, fields: list[str], *, access_key: str, secret_key: str) -> str:
    return hmac_sha256(secret_key, momo_raw(data, fields, access_key))


def momo_verify(data: dict, fields: list[str], *, access_key: str, secret_key: str) -> bool:
    given = str(data.get("signature", "")).lower()
    expected = momo_sign(data, fields, access_key=access_key, secret_key=secret_key)
    return bool(given) and hmac.compare_digest(given, expected)
