"""Writes of the payments app: fee rows, payment state changes, refunds, e-receipts.

Every state change is a conditional update from a non-final state, so duplicate or late gateway
callbacks can never undo or repeat a final state.
"""

import logging
import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.fees import fee_lines_due
from dossiers.lifecycle import OPEN_STATUSES
from portal.outbox import OutboxRetry, outbox_enqueue, outbox_enqueue_many

from .models import Fee, FeeTiming, GatewayCheck, Payment, Provider, Receipt, ReceiptCounter, Refund
from .providers import GatewayResult, ProviderError, provider_get

logger = logging.getLogger(__name__)

OPEN_STATES = (Payment.Status.CREATED, Payment.Status.PENDING)
PAYABLE_DOSSIER_STATES = OPEN_STATUSES  # the lifecycle table's open states


class PaymentError(Exception):
    """A payment cannot be started or recorded; the message is for the user."""


class RefundGatewayUnavailable(Exception):
    """The gateway was not reached (or its answer not understood): the refund stays pending and
    may be sent again."""


# IPN outcome codes (VNPay's; the MoMo IPN view maps them to HTTP statuses).
CONFIRMED = "00"
ORDER_NOT_FOUND = "01"
ALREADY_CONFIRMED = "02"
INVALID_AMOUNT = "04"
INVALID_SIGNATURE = "97"
UNKNOWN_ERROR = "99"

# Outbox job kinds (portal/outbox.py; handlers registered in PaymentsConfig.ready).
RECEIPT_JOB = "payments.receipt"
PAID_NOTICE_JOB = "payments.paid_notice"
REFUND_JOB = "payments.refund"


def _new_reference(prefix: str = "P") -> str:
    return f"{prefix}{timezone.localtime():%y%m%d}{secrets.token_hex(5).upper()}"


def _snapshot(dossier) -> dict:
    return dossier.procedure_version.snapshot or {}


# --- fees -----------------------------------------------------------------------------------------


def fees_create_for_dossier(*, dossier) -> list[Fee]:
    """Copy the fee lines of the dossier's procedure version as catalog.fees works them out (a
    fee per copy times the copies asked, tiered fees per page). Idempotent; free procedures get
    none."""
    snapshot = _snapshot(dossier)
    lines = fee_lines_due(snapshot, dossier.form_data)
    if not lines:
        return []  # a free procedure: nothing to copy, no statement
    with transaction.atomic():
        existing = list(Fee.objects.select_for_update().filter(dossier=dossier))
        if existing:
            return existing
        timing = snapshot.get("fee_timing") or FeeTiming.BEFORE_INTAKE
        if timing not in FeeTiming.values:
            timing = FeeTiming.BEFORE_INTAKE
        rows = []
        for line in lines:
            # The receipt and both fee panels show how the amount was made, as the review step did.
            note = line["note"]
            if line["breakdown"]:
                note = line["breakdown"] + (f" ({note})" if note else "")
            rows.append(
                Fee(
                    dossier=dossier,
                    position=line["position"],
                    name=line["name"][:255],
                    kind=line["kind"] if line["kind"] in Fee.Kind.values else Fee.Kind.FEE,
                    amount=line["amount"],
                    note=note[:500],
                    timing=timing,
                )
            )
        return Fee.objects.bulk_create(rows)


def payment_guard(*, dossier, action: str) -> str | None:
    """Transition guard registered with dossiers: no intake / no result while the fee is unpaid."""
    timing = {
        "receive": FeeTiming.BEFORE_INTAKE,
        "return": FeeTiming.BEFORE_RESULT,
        "return_result": FeeTiming.BEFORE_RESULT,
    }.get(action)
    if timing is None:
        return None
    due = Fee.objects.filter(dossier=dossier, timing=timing, status=Fee.Status.DUE).aggregate(total=Sum("amount"))
    if not due["total"]:
        return None
    from .text import vnd

    if timing == FeeTiming.BEFORE_INTAKE:
        return _(
            "The fee of this dossier (%(amount)s VND) has not been paid yet: it must be paid before intake. "
            "Ask the applicant to pay online or record the payment at the counter."
        ) % {"amount": vnd(due["total"])}
    return _(
        "The fee of this dossier (%(amount)s VND) has not been paid yet: it must be paid before the result "
        "is returned. Ask the applicant to pay online or record the payment at the counter."
    ) % {"amount": vnd(due["total"])}


# --- starting payments ----------------------------------------------------------------------------


def _create_payment(*, dossier, provider_id: str, payer, client_ip: str | None, **extra) -> Payment:
    if dossier.status not in PAYABLE_DOSSIER_STATES:
        raise PaymentError(_("This dossier cannot be paid in its current status."))
    fees = list(Fee.objects.select_for_update().filter(dossier=dossier, status=Fee.Status.DUE))
    if not fees:
        raise PaymentError(_("This dossier has no fee to pay."))
    now = timezone.now()
    payment = Payment.objects.create(
        reference=_new_reference(),
        dossier=dossier,
        agency_id=dossier.agency_id,
        provider=provider_id,
        amount=sum((f.amount for f in fees), Decimal(0)),
        payer=payer,
        payer_name=(dossier.applicant or {}).get("full_name") or (payer.get_full_name() if payer else ""),
        client_ip=client_ip or None,
        expires_at=now + timedelta(minutes=settings.PAYMENT_EXPIRE_MINUTES),
        **extra,
    )
    payment.fees.set(fees)
    return payment


def payment_start(*, dossier, provider_id: str, payer, client_ip: str = "127.0.0.1") -> Payment:
    """Create a payment of the dossier's open fees and prepare it at the gateway (created -> pending)."""
    try:
        provider = provider_get(provider_id)
    except ProviderError as exc:
        raise PaymentError(_("This payment method is not available.")) from exc
    if not provider.online:
        raise PaymentError(_("This payment method is not available."))
    with transaction.atomic():
        payment = _create_payment(dossier=dossier, provider_id=provider_id, payer=payer, client_ip=client_ip)
    # The gateway call happens outside the transaction: the row exists whatever the gateway says.
    try:
        url = provider.start(payment=payment, client_ip=client_ip)
    except ProviderError as exc:
        logger.warning("payment %s: gateway refused to start: %s", payment.reference, exc)
        _finish(payment, Payment.Status.FAILED, gateway_data={"start_error": str(exc)[:500]})
        raise PaymentError(_("The payment gateway is not available right now. Please try again later.")) from exc
    Payment.objects.filter(pk=payment.pk, status=Payment.Status.CREATED).update(
        status=Payment.Status.PENDING, redirect_url=url
    )
    payment.refresh_from_db()
    return payment


def _finish(payment: Payment, status: str, **fields) -> bool:
    """created/pending -> final; False when the payment had already reached a final state."""
    now = timezone.now()
    if status == Payment.Status.PAID:
        fields.setdefault("paid_at", now)
    changed = Payment.objects.filter(pk=payment.pk, status__in=OPEN_STATES).update(
        status=status, finished_at=now, **fields
    )
    return bool(changed)


def _after_paid(payment: Payment, *, marked: int | None = None) -> None:
    """Mark the fees paid (one statement, unless the payment's own UPDATE already did: `marked`);
    a payment for fees someone else already paid is given back."""
    if marked is None:
        fee_ids = Payment.fees.through.objects.filter(payment_id=payment.pk).values("fee_id")
        marked = Fee.objects.filter(pk__in=fee_ids, status=Fee.Status.DUE).update(
            status=Fee.Status.PAID, payment=payment
        )
    if not marked:
        refund_start(payment=payment, reason=_("Duplicate payment: the fee had already been paid."))
    # Recorded with the payment, carried out after commit: a broker outage only delays them, and
    # the gateway's callback is answered from what was committed.
    outbox_enqueue_many(
        [
            (RECEIPT_JOB, f"payment:{payment.pk}:receipt", {"payment_id": payment.pk}),
            (PAID_NOTICE_JOB, f"payment:{payment.pk}:notice", {"payment_id": payment.pk}),
        ]
    )


def _returning_supported() -> bool:
    if connection.vendor == "postgresql":
        return True
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version_info >= (3, 35, 0)
    return False


def _finish_open_returning(*, reference: str, provider_id: str, amount: Decimal, status: str, **fields):
    """One statement: `UPDATE … WHERE reference, provider, amount match AND status is open
    RETURNING *`. (the updated Payment, the number of its fees the statement marked paid), or
    (None, None) when no open payment matched (the caller then finds out why). The fees are marked
    by the same statement on PostgreSQL only; elsewhere the count is None and the caller marks
    them. Falls back to UPDATE + one read where RETURNING is not available."""
    now = timezone.now()
    fields["status"] = status
    fields["finished_at"] = now
    if status == Payment.Status.PAID:
        fields.setdefault("paid_at", now)
    if not _returning_supported():
        changed = Payment.objects.filter(
            reference=reference, provider=provider_id, amount=amount, status__in=OPEN_STATES
        ).update(**fields)
        return (Payment.objects.get(reference=reference, provider=provider_id) if changed else None), None
    meta = Payment._meta
    qn = connection.ops.quote_name
    assignments, params = [], []
    for name, value in fields.items():
        field = meta.get_field(name)
        assignments.append(f"{qn(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    concrete = list(meta.concrete_fields)
    amount_field = meta.get_field("amount")
    # Identifiers come from the model's meta; every value is a parameter.
    sql = (
        f"UPDATE {qn(meta.db_table)} SET {', '.join(assignments)}"  # noqa: S608
        f" WHERE {qn('reference')} = %s AND {qn('provider')} = %s AND {qn(amount_field.column)} = %s"
        f" AND {qn('status')} IN (%s, %s)"
        f" RETURNING {', '.join(qn(f.column) for f in concrete)}"
    )
    params += [
        reference,
        provider_id,
        amount_field.get_db_prep_save(amount, connection),
        *(str(state) for state in OPEN_STATES),
    ]
    fold_fees = status == Payment.Status.PAID and connection.vendor == "postgresql"
    if fold_fees:
        # PostgreSQL: the fees are marked paid by the same statement (a data-modifying WITH),
        # one round trip and one commit's worth of work fewer for every paid IPN.
        fee, link = Fee._meta, Payment.fees.through._meta
        fee_table, link_table = qn(fee.db_table), qn(link.db_table)
        link_payment = qn(link.get_field("payment").column)
        link_fee = qn(link.get_field("fee").column)
        sql = (
            f"WITH paid AS ({sql}), marked AS ("  # noqa: S608
            f"UPDATE {fee_table} SET {qn('status')} = %s, {qn(fee.get_field('payment').column)} = paid.{qn('id')}"
            f" FROM paid, {link_table} WHERE {link_table}.{link_payment} = paid.{qn('id')}"
            f" AND {fee_table}.{qn('id')} = {link_table}.{link_fee} AND {fee_table}.{qn('status')} = %s"
            f" RETURNING 1) SELECT paid.*, (SELECT count(*) FROM marked) FROM paid"
        )
        params += [str(Fee.Status.PAID), str(Fee.Status.DUE)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None, None
    marked = None
    if fold_fees:
        row, marked = row[:-1], row[-1]
    values = []
    for field, value in zip(concrete, row, strict=True):
        col = field.get_col(meta.db_table)
        for converter in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
            value = converter(value, col, connection)
        values.append(value)
    return Payment.from_db(connection.alias, [f.attname for f in concrete], values), marked


def payment_apply_gateway_result(*, provider_id: str, result: GatewayResult) -> str:
    """Apply a verified gateway message (IPN or query answer). Checks order, amount, state in
    that order; returns VNPay's answer code. Concurrent duplicates: one wins the update.

    The common case (an open payment, right amount, final answer) is one conditional
    `UPDATE … RETURNING` plus one `UPDATE` of the fees; only the other answers read the row."""
    try:
        amount = None if result.amount is None else Decimal(result.amount)
    except (InvalidOperation, TypeError, ValueError):
        amount = None
    status = {
        "paid": Payment.Status.PAID,
        "cancelled": Payment.Status.CANCELLED,
        "expired": Payment.Status.EXPIRED,
    }.get(result.status, Payment.Status.FAILED)
    with transaction.atomic():
        if amount is not None and result.status != "pending":
            payment, marked = _finish_open_returning(
                reference=result.reference,
                provider_id=provider_id,
                amount=amount,
                status=status,
                gateway_transaction_no=result.transaction_no[:64],
                gateway_response_code=result.response_code[:16],
                bank_code=result.bank_code[:30],
                gateway_data=result.raw,
            )
            if payment is not None:
                if status == Payment.Status.PAID:
                    _after_paid(payment, marked=marked)
                return CONFIRMED
        # Not applied: say why, in the order VNPay expects (order, amount, state).
        payment = Payment.objects.filter(reference=result.reference, provider=provider_id).first()
        if payment is None:
            return ORDER_NOT_FOUND
        if amount is None or amount != payment.amount:
            return INVALID_AMOUNT
        if payment.is_final:
            return ALREADY_CONFIRMED
        if result.status == "pending":
            return CONFIRMED
        return ALREADY_CONFIRMED


def counter_payment_record(*, dossier, cashier, method: str, payer_name: str = "") -> Payment:
    """A cashier took cash or card at the desk for the dossier's open fees."""
    from identity.selectors import official_agency_ids

    if not cashier.is_superuser and dossier.agency_id not in official_agency_ids(cashier):
        raise PaymentError(_("You can only record payments for dossiers of your agency."))
    if method not in (Payment.Method.CASH, Payment.Method.CARD):
        raise PaymentError(_("Choose cash or card."))
    with transaction.atomic():
        payment = _create_payment(
            dossier=dossier,
            provider_id=Provider.COUNTER,
            payer=dossier.citizen,
            client_ip=None,
            method=method,
            recorded_by=cashier,
        )
        if payer_name:
            Payment.objects.filter(pk=payment.pk).update(payer_name=payer_name[:150])
        _finish(payment, Payment.Status.PAID, gateway_transaction_no=payment.reference)
        payment.refresh_from_db()
        _after_paid(payment)
    return payment


# --- reconciliation -------------------------------------------------------------------------------


def payment_check(*, payment: Payment) -> GatewayCheck:
    """Ask the gateway about one payment and keep its answer."""
    result = provider_get(payment.provider, enabled_only=False).query(payment=payment)
    return GatewayCheck.objects.create(
        payment=payment,
        gateway_status=result.status,
        gateway_amount=result.amount,
        gateway_transaction_no=result.transaction_no[:64],
        raw=result.raw or {"message": result.message},
    )


def payment_reconcile(*, payment: Payment) -> str:
    """Settle, fail or expire one open payment from what the gateway says. Returns the new status."""
    if payment.provider == Provider.COUNTER or payment.is_final:
        return payment.status
    check = payment_check(payment=payment)
    if check.gateway_status in ("paid", "failed", "cancelled", "expired"):
        result = GatewayResult(
            status=check.gateway_status,
            reference=payment.reference,
            amount=check.gateway_amount,
            transaction_no=check.gateway_transaction_no,
            raw={"reconciled": True, **check.raw},
        )
        payment_apply_gateway_result(provider_id=payment.provider, result=result)
    elif (
        check.gateway_status in ("pending", "not_found")
        and payment.expires_at
        and timezone.now() > (payment.expires_at + timedelta(minutes=5))
    ):
        _finish(payment, Payment.Status.EXPIRED, gateway_data={"expired_by": "reconciliation"})
    payment.refresh_from_db()
    return payment.status


def payments_reconcile(*, older_than: timedelta | None = None) -> dict[str, int]:
    """Reconcile every payment still open after `older_than` (settings default)."""
    if older_than is None:
        older_than = timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    cutoff = timezone.now() - older_than
    counts: dict[str, int] = {}
    for payment in Payment.objects.filter(status__in=OPEN_STATES, created_at__lte=cutoff).order_by("created_at")[:500]:
        try:
            status = payment_reconcile(payment=payment)
        except Exception:
            logger.exception("reconciliation of payment %s failed", payment.reference)
            status = "error"
        counts[status] = counts.get(status, 0) + 1
    return counts


def payments_check_day(*, day, agency_ids=None) -> int:
    """Cross-check every online payment of `day` with its gateway (daily report)."""
    qs = Payment.objects.filter(created_at__date=day).exclude(provider=Provider.COUNTER)
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    count = 0
    for payment in qs:
        payment_check(payment=payment)
        count += 1
    return count


# --- refunds --------------------------------------------------------------------------------------


def refund_start(*, payment: Payment, reason: str, amount: Decimal | None = None, by=None) -> Refund:
    """Record a refund of a paid payment and send it to the provider once committed. Idempotent:
    a payment with a pending or done refund gets no second one (a pending one is sent again, for
    when its gateway could not be reached)."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status != Payment.Status.PAID:
            raise PaymentError(_("Only a paid payment can be refunded."))
        existing = payment.refunds.exclude(status=Refund.Status.FAILED).first()
        if existing:
            if existing.status == Refund.Status.PENDING and existing.provider != Provider.COUNTER:
                _refund_enqueue(existing, again=True)
            return existing
        refund = Refund.objects.create(
            reference=_new_reference("R"),
            payment=payment,
            amount=amount or payment.amount,
            reason=reason[:500],
            provider=payment.provider,
            created_by=by,
        )
        _refund_enqueue(refund)
    return refund


def _refund_enqueue(refund: Refund, *, again: bool = False) -> None:
    outbox_enqueue(kind=REFUND_JOB, key=f"refund:{refund.pk}", payload={"refund_id": refund.pk}, again=again)


def refund_job_run(*, refund_id: int) -> None:
    """The outbox handler of refunds: a gateway out of reach is tried again later, with backoff."""
    refund = Refund.objects.filter(pk=refund_id).select_related("payment").first()
    if refund is None:
        return
    try:
        refund_execute(refund=refund)
    except RefundGatewayUnavailable as exc:
        raise OutboxRetry(str(exc)) from exc


def refund_execute(*, refund: Refund) -> Refund:
    """Ask the provider to pay the refund out (counter refunds stay pending for the cashier).

    Only the gateway's refusal is final; when it cannot be reached the refund stays pending with
    the error noted and RefundGatewayUnavailable is raised, so that the caller may try again."""
    if refund.status != Refund.Status.PENDING:
        return refund
    result = provider_get(refund.provider, enabled_only=False).refund(refund=refund)
    if result.status == "error":
        Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(message=result.message[:500])
        raise RefundGatewayUnavailable(result.message)
    if result.status == "done":
        _refund_finish(refund, Refund.Status.DONE, transaction_no=result.transaction_no, raw=result.raw)
    elif result.status == "failed":
        _refund_finish(refund, Refund.Status.FAILED, message=result.message, raw=result.raw)
    refund.refresh_from_db()
    return refund


def _refund_finish(refund: Refund, status: str, *, transaction_no: str = "", message: str = "", raw=None) -> bool:
    with transaction.atomic():
        changed = Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
            status=status,
            gateway_transaction_no=transaction_no[:64],
            message=message[:500],
            gateway_data=raw or {},
            finished_at=timezone.now(),
        )
        if changed and status == Refund.Status.DONE:
            Fee.objects.filter(payment=refund.payment, status=Fee.Status.PAID).update(status=Fee.Status.REFUNDED)
    return bool(changed)


def refund_mark_paid_out(*, refund: Refund, by) -> bool:
    """A cashier handed the money back at the counter."""
    from identity.selectors import official_agency_ids

    if not by.is_superuser and refund.payment.agency_id not in official_agency_ids(by):
        raise PaymentError(_("You can only record refunds for your agency."))
    return _refund_finish(refund, Refund.Status.DONE, transaction_no=refund.reference, message=str(by))


def dossier_refunds_start(*, dossier, reason: str, by=None) -> list[Refund]:
    """A paid dossier was refused or rejected and its procedure refunds the fee."""
    if not _snapshot(dossier).get("refund_on_refusal", False):
        return []
    return [
        refund_start(payment=p, reason=reason, by=by)
        for p in Payment.objects.filter(dossier=dossier, status=Payment.Status.PAID)
    ]


# --- e-receipts -----------------------------------------------------------------------------------


def _receipt_allocate(payment: Payment) -> Receipt:
    """The payment's receipt number, allocated once (the payment row is locked meanwhile)."""
    with transaction.atomic():
        Payment.objects.select_for_update().filter(pk=payment.pk).first()
        existing = Receipt.objects.filter(payment=payment).first()
        if existing:
            return existing
        year = timezone.localtime(payment.paid_at or timezone.now()).year
        counter, _created = ReceiptCounter.objects.get_or_create(agency_id=payment.agency_id, year=year)
        counter = ReceiptCounter.objects.select_for_update().get(pk=counter.pk)
        counter.last += 1
        counter.save(update_fields=["last"])
        return Receipt.objects.create(
            payment=payment,
            agency_id=payment.agency_id,
            year=year,
            sequence=counter.last,
            number=f"{payment.agency.code}-BL{year}-{counter.last:06d}",
            template_symbol=settings.RECEIPT_TEMPLATE_SYMBOL,
            serial=settings.RECEIPT_SERIAL.format(yy=f"{year % 100:02d}", year=year),
        )


def receipt_issue(*, payment: Payment) -> Receipt:
    """Number the e-receipt of a paid payment and render its PDF. Idempotent: the number is
    allocated once, the PDF made only if it is missing (a run killed midway is completed)."""
    from django.urls import reverse
    from django.utils import translation

    from portal.pdf import pdf_render, qr_data_uri
    from portal.signing import SigningUnavailable, file_sha256, pdf_sign, signature_block, verification_url

    from .text import amount_in_words_vi

    if payment.status != Payment.Status.PAID:
        raise PaymentError(_("Only a paid payment has a receipt."))
    receipt = _receipt_allocate(payment)
    if receipt.file:
        return receipt
    dossier = payment.dossier
    check_url = settings.SITE_URL + reverse("payments:receipt-check", args=[receipt.number])
    verify_url = verification_url(RECEIPT_VERIFY_PREFIX, receipt.pk)
    with translation.override(settings.LANGUAGE_CODE):
        block = signature_block(agency_name=payment.agency.name, verify_url=verify_url)
        pdf = pdf_render(
            template_name="payments/receipt_pdf.html",
            context={
                "receipt": receipt,
                "payment": payment,
                "dossier": dossier,
                "procedure_name": (_snapshot(dossier).get("name") or dossier.procedure_version.name),
                "fees": list(payment.fees.all()),
                "amount_words": amount_in_words_vi(payment.amount),
                "agency_name": payment.agency.name,
                "agency": payment.agency,
                "agency_parent": payment.agency.parent.name if payment.agency.parent_id else "",
                "pdf_title": f"{_('E-receipt for fees and charges')} {receipt.number}",
                "pdf_subject": _("E-receipt for fees and charges"),
                "document_number": receipt.number,
                "qr_url": qr_data_uri(check_url),
                "check_url": check_url,
                "paid_at": timezone.localtime(payment.paid_at),
                "verify_url": verify_url,
                "digital_signature": block,
            },
        )
        try:
            pdf = pdf_sign(
                pdf,
                agency_code=payment.agency.code,
                agency_name=payment.agency.name,
                signer_name=payment.agency.name,
                signer_title=_("Collecting unit"),
                reason=_("E-receipt for fees and charges"),
                location=payment.agency.province.name if payment.agency.province_id else "",
                signed_at=block["signed_at"],
            )
        except SigningUnavailable as exc:  # retried by the outbox; never an unsigned receipt
            Receipt.objects.filter(pk=receipt.pk).update(signing_error=str(exc)[:300])
            raise
    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if receipt.file:  # another run finished first
            return receipt
        # A run whose file was written but not recorded left it behind: replace it, not add one.
        name = receipt.file.field.generate_filename(receipt, f"{receipt.number}.pdf")
        if receipt.file.storage.exists(name):
            receipt.file.storage.delete(name)
        receipt.sha256 = file_sha256(pdf)
        receipt.signing_error = ""
        receipt.file.save(f"{receipt.number}.pdf", ContentFile(pdf), save=False)
        receipt.save(update_fields=["file", "sha256", "signing_error"])
    return receipt


RECEIPT_VERIFY_PREFIX = "r"


def receipt_resolve(*, sha256: str = "", reference: str = "") -> dict | None:
    """portal.signing resolver: which e-receipt a signed file is (number and dossier code)."""
    from portal.signing import verification_reference_parse

    receipt = None
    if sha256:
        receipt = Receipt.objects.select_related("payment__dossier").filter(sha256=sha256).exclude(file="").first()
    elif reference:  # the link (and QR code) printed in the receipt's signature block
        parsed = verification_reference_parse(reference)
        if parsed and parsed[0] == RECEIPT_VERIFY_PREFIX:
            receipt = Receipt.objects.select_related("payment__dossier").filter(pk=parsed[1]).first()
    if receipt is None:
        return None
    return {
        "kind": str(Receipt._meta.verbose_name),
        "dossier_code": receipt.payment.dossier.code if receipt.payment.dossier_id else "",
        "number": receipt.number,
        "file": receipt.file if receipt.file else None,
    }


def receipt_job_run(*, payment_id: int) -> None:
    """The outbox handler of e-receipts."""
    payment = Payment.objects.filter(pk=payment_id, status=Payment.Status.PAID).first()
    if payment is not None:
        receipt_issue(payment=payment)


def payment_notice_job_run(*, payment_id: int) -> None:
    """The outbox handler of the "payment received" notice: it names the receipt number (allocated
    here if the receipt job has not run yet); the notification rows are written once."""
    payment = Payment.objects.filter(pk=payment_id, status=Payment.Status.PAID).select_related("dossier").first()
    if payment is None:
        return
    with transaction.atomic():
        _notify_paid(payment, _receipt_allocate(payment))


def _notify_paid(payment: Payment, receipt: Receipt) -> None:
    from django.urls import reverse

    from portal.notifications import notification_enqueue

    from .text import vnd

    code = payment.dossier.code or str(payment.dossier_id)
    url = settings.SITE_URL + reverse("payments:receipt-download", args=[payment.pk])
    notification_enqueue(
        user=payment.dossier.citizen,
        event="payment_received",
        subject=_("Payment received for dossier %(code)s") % {"code": code},
        body=_(
            "We have received %(amount)s VND for the fees of dossier %(code)s. "
            "Your e-receipt no. %(number)s can be downloaded at %(url)s"
        )
        % {"amount": vnd(payment.amount), "code": code, "number": receipt.number, "url": url},
        sms_text=_("Received %(amount)s VND, dossier %(code)s. E-receipt %(number)s.")
        % {"amount": vnd(payment.amount), "code": code, "number": receipt.number},
        url=url,
        related=payment,
        dedupe_key=f"payment-received:{payment.pk}",
    )
