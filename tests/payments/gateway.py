"""An independent implementation of DOMAIN.md's VNPay and MoMo signing rules, written for the
tests (it deliberately does not import payments.signing)."""

import hashlib
import hmac
import urllib.parse


def vnpay_secure_hash(params: dict, secret: str) -> str:
    kept = {
        k: v for k, v in params.items() if k.startswith("vnp_") and k not in ("vnp_SecureHash", "vnp_SecureHashType")
    }
    kept = {k: str(v) for k, v in kept.items() if str(v) != ""}
    query = "&".join(k + "=" + urllib.parse.quote_plus(kept[k]) for k in sorted(kept))
    return hmac.new(secret.encode(), query.encode(), hashlib.sha512).hexdigest()


def vnpay_signed(params: dict, secret: str) -> dict:
    return {**params, "vnp_SecureHash": vnpay_secure_hash(params, secret)}


def momo_ipn_signature(body: dict, access_key: str, secret_key: str) -> str:
    order = (
        "accessKey amount extraData message orderId orderInfo orderType partnerCode payType requestId "
        "responseTime resultCode transId"
    )
    raw = "&".join(f"{k}={access_key if k == 'accessKey' else body[k]}" for k in order.split())
    return hmac.new(secret_key.encode(), raw.encode(), hashlib.sha256).hexdigest()


def vnpay_ipn_params(payment, secret, *, tmn_code, amount=None, response_code="00", status="00", txn_no="14123456"):
    params = {
        "vnp_Amount": str(int(amount if amount is not None else payment.amount) * 100),
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": "VNP" + txn_no,
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": "Thanh toan le phi ho so",
        "vnp_PayDate": "20261122101500",
        "vnp_ResponseCode": response_code,
        "vnp_TmnCode": tmn_code,
        "vnp_TransactionNo": txn_no,
        "vnp_TransactionStatus": status,
        "vnp_TxnRef": payment.reference,
    }
    return vnpay_signed(params, secret)


def momo_ipn_body(payment, *, partner_code, access_key, secret_key, amount=None, result_code=0, trans_id=2900000001):
    body = {
        "partnerCode": partner_code,
        "orderId": payment.reference,
        "requestId": payment.reference,
        "amount": int(amount if amount is not None else payment.amount),
        "orderInfo": "Thanh toán lệ phí",
        "orderType": "momo_wallet",
        "transId": trans_id,
        "resultCode": result_code,
        "message": "Thành công." if result_code == 0 else "Bị từ chối",
        "payType": "qr",
        "responseTime": 1763800000000,
        "extraData": "",
    }
    body["signature"] = momo_ipn_signature(body, access_key, secret_key)
    return body
