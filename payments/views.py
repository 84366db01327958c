"""Payment pages and gateway callbacks: VNPay return/IPN, MoMo return/IPN, starting a payment
from the dossier page, the e-receipt download and its public check page, the cashier's desk."""

import json
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.client_ip import client_ip
from portal.kernel.files import file_response

from . import selectors, services
from .forms import CounterLookupForm, CounterPaymentForm, PaymentStartForm
from .models import Payment
from .providers import provider_get
from .text import vnd

logger = logging.getLogger(__name__)

IPN_MESSAGES = {
    services.CONFIRMED: "Confirm Success",
    services.ORDER_NOT_FOUND: "Order not found",
    services.ALREADY_CONFIRMED: "Order already confirmed",
    services.INVALID_AMOUNT: "invalid amount",
    services.INVALID_SIGNATURE: "Invalid signature",
    services.UNKNOWN_ERROR: "Unknown error",
}


def _dossier_or_404(code: str):
    from dossiers.selectors import dossier_by_code

    dossier = dossier_by_code(code=code)
    if dossier is None:
        raise Http404
    return dossier


def dossier_page_url(dossier) -> str:
    """The citizen's dossier page if the dossiers app provides one."""
    for arg in (dossier.pk, dossier.code):
        try:
            return reverse("dossiers:detail", args=[arg])
        except NoReverseMatch:
            continue
    return ""


# --- gateway callbacks ----------------------------------------------------------------------------


def _ipn_answer(code: str) -> JsonResponse:
    return JsonResponse({"RspCode": code, "Message": IPN_MESSAGES[code]})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def vnpay_ipn(request):
    """VNPay's server-to-server notice. Order of checks: signature, order, amount, state."""
    params = request.GET.dict() if request.method == "GET" else (request.POST.dict() or request.GET.dict())
    try:
        result = provider_get("vnpay", enabled_only=False).parse_callback(params)
        if result is None:
            return _ipn_answer(services.INVALID_SIGNATURE)
        return _ipn_answer(services.payment_apply_gateway_result(provider_id="vnpay", result=result))
    except Exception:
        logger.exception("VNPay IPN failed")
        return _ipn_answer(services.UNKNOWN_ERROR)


@csrf_exempt
@require_POST
def momo_ipn(request):
    """MoMo's server-to-server notice (JSON); acknowledged with 204 once verified and handled."""
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return HttpResponse(status=400)
    result = provider_get("momo", enabled_only=False).parse_callback(data)
    if result is None:
        return HttpResponse(status=400)
    code = services.payment_apply_gateway_result(provider_id="momo", result=result)
    if code == services.ORDER_NOT_FOUND:
        return HttpResponse(status=404)
    if code == services.INVALID_AMOUNT:
        return HttpResponse(status=400)
    return HttpResponse(status=204)


def _result_page(request, provider_id: str, params: dict):
    """Only SHOWS what happened: the payment's state is set by the IPN (or reconciliation)."""
    result = provider_get(provider_id, enabled_only=False).parse_callback(params)
    if result is None:
        return render(request, "payments/result.html", {"invalid": True}, status=400)
    payment = Payment.objects.filter(reference=result.reference, provider=provider_id).select_related("dossier").first()
    if payment is None:
        return render(request, "payments/result.html", {"invalid": True}, status=404)
    dossier_url = dossier_page_url(payment.dossier)
    if dossier_url and request.user.is_authenticated and request.user.pk == payment.dossier.citizen_id:
        # The applicant comes back to the dossier page: what happened, then the next step there.
        level, text = _return_message(payment, result.status)
        messages.add_message(request, level, text)
        return redirect(dossier_url)
    return render(
        request,
        "payments/result.html",
        {
            "payment": payment,
            "gateway_status": result.status,
            "dossier": payment.dossier,
            "dossier_url": dossier_page_url(payment.dossier),
        },
    )


def _return_message(payment, gateway_status: str) -> tuple[int, str]:
    """The gateway's return only SHOWS the state; the IPN (or reconciliation) sets it."""
    if payment.status == Payment.Status.PAID:
        text = _(
            "Payment successful: the portal has received %(amount)s VND. Your e-receipt will be ready in a moment."
        )
        return messages.SUCCESS, text % {"amount": vnd(payment.amount)}
    if payment.status == Payment.Status.CANCELLED or gateway_status == "cancelled":
        return messages.WARNING, _("You cancelled the payment. Nothing was charged and the fee is still unpaid.")
    if payment.status in (Payment.Status.PENDING, Payment.Status.CREATED):
        return messages.INFO, _(
            "The payment gateway has not confirmed your payment yet. This usually takes a few seconds to a few "
            "minutes; this page will show it. Please do not pay twice."
        )
    return messages.ERROR, _("The payment did not go through and nothing was charged. You can try again.")


@require_GET
def vnpay_return(request):
    return _result_page(request, "vnpay", request.GET.dict())


@require_GET
def momo_return(request):
    return _result_page(request, "momo", request.GET.dict())


# --- citizen pages --------------------------------------------------------------------------------


@login_required
@require_POST
def payment_start(request, code):
    """The "Pay" buttons of the dossier panel."""
    dossier = _dossier_or_404(code)
    if request.user.pk not in (dossier.citizen_id, dossier.filed_by_id):
        raise PermissionDenied
    form = PaymentStartForm(request.POST)
    back = dossier_page_url(dossier) or "/"
    if not form.is_valid():
        messages.error(request, _("Choose a payment method."))
        return redirect(back)
    try:
        payment = services.payment_start(
            dossier=dossier, provider_id=form.cleaned_data["provider"], payer=request.user, client_ip=client_ip(request)
        )
    except services.PaymentError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    return HttpResponseRedirect(payment.redirect_url)


@login_required
def receipt_download(request, payment_id):
    payment = get_object_or_404(Payment.objects.select_related("dossier"), pk=payment_id)
    if not selectors.payment_can_view_receipt(user=request.user, payment=payment):
        raise PermissionDenied
    if payment.status != Payment.Status.PAID:
        raise Http404
    receipt = getattr(payment, "receipt", None)
    if receipt is None or not receipt.file:
        receipt = services.receipt_issue(payment=payment)
    from portal.audit import audit_record

    audit_record(
        actor=request.user,
        subject=payment.dossier.citizen,
        action="download",
        obj=receipt,
        detail="e-receipt",
        request=request,
    )
    return file_response(receipt.file, filename=f"bien-lai-{receipt.number}.pdf", content_type="application/pdf")


def receipt_check(request, number):
    """Public page behind the receipt's QR code: is this receipt genuine? No personal data."""
    receipt = selectors.receipt_by_number(number)
    if receipt is None:
        raise Http404
    refunded = receipt.payment.refunds.filter(status="done").exists()
    return render(request, "payments/receipt_check.html", {"receipt": receipt, "refunded": refunded})


# --- cashier's desk -------------------------------------------------------------------------------


@login_required
@permission_required("payments.record_counter_payment", raise_exception=True)
def counter_desk(request):
    """A cashier finds a dossier by code and records cash or card for its open fees."""
    from dossiers.selectors import dossier_by_code
    from identity.selectors import official_agency_ids

    lookup = CounterLookupForm(request.GET or None)
    dossier = summary = None
    form = None
    if lookup.is_valid():
        dossier = dossier_by_code(
            code=lookup.cleaned_data["code"].strip(),
            agency_ids=None if request.user.is_superuser else official_agency_ids(request.user),
        )
        if dossier is None:
            lookup.add_error("code", _("No dossier of your agency has this code."))
        else:
            summary = selectors.dossier_payment_summary(dossier=dossier)
            form = CounterPaymentForm(
                request.POST or None,
                initial={"method": "cash", "payer_name": (dossier.applicant or {}).get("full_name", "")},
            )
            if request.method == "POST" and form.is_valid():
                try:
                    payment = services.counter_payment_record(
                        dossier=dossier,
                        cashier=request.user,
                        method=form.cleaned_data["method"],
                        payer_name=form.cleaned_data["payer_name"],
                    )
                except services.PaymentError as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, _("Payment %(reference)s recorded.") % {"reference": payment.reference})
                    return redirect(f"{reverse('payments:counter')}?code={dossier.code}")
    return render(
        request, "payments/counter.html", {"lookup": lookup, "dossier": dossier, "summary": summary, "form": form}
    )
