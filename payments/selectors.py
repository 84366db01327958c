"""Reads of the payments app: a dossier's fee summary, payments visible to an official,
the daily report per agency and provider."""

from collections import OrderedDict
from decimal import Decimal

from portal.compiled import CompiledQuery

from .models import Fee, FeeTiming, GatewayCheck, Payment, Provider, Receipt, Refund
from .providers import providers_online


def dossier_fees(*, dossier) -> list[Fee]:
    return list(Fee.objects.filter(dossier=dossier))


def dossier_payment_summary(*, dossier) -> dict:
    """Everything the dossier's payment panel shows."""
    fees = dossier_fees(dossier=dossier)
    due, total, state = _fees_state(fees)
    payments = list(Payment.objects.filter(dossier=dossier).select_related("receipt").order_by("-created_at"))
    paid = [p for p in payments if p.status == Payment.Status.PAID]
    refunds = list(Refund.objects.filter(payment__dossier=dossier))
    return {
        "fees": fees,
        "total": total,
        "due": due,
        "state": state,
        "timing": fees[0].timing if fees else None,
        "before_intake": bool(fees) and fees[0].timing == FeeTiming.BEFORE_INTAKE,
        "payments": payments,
        "paid_payments": paid,
        "last": payments[0] if payments else None,
        "refunds": refunds,
        "providers": providers_online() if due else [],
    }


def _fees_state(fees: list[Fee]) -> tuple[Decimal, Decimal, str]:
    """(due, total, state) of a dossier's fees; state is free, due, refunded or paid."""
    due = sum((f.amount for f in fees if f.status == Fee.Status.DUE), Decimal(0))
    total = sum((f.amount for f in fees), Decimal(0))
    if not fees:
        state = "free"
    elif due:
        state = "due"
    elif all(f.status == Fee.Status.REFUNDED for f in fees):
        state = "refunded"
    else:
        state = "paid"
    return due, total, state


def payment_can_view_receipt(*, user, payment: Payment) -> bool:
    """The dossier's applicant (or who filed it for them), and the agency's officials who take
    money or handle dossiers (cashier, intake, processing, leader) — not every staff member."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    dossier = payment.dossier
    if user.pk in (dossier.citizen_id, dossier.filed_by_id):
        return True
    from identity import roles
    from identity.selectors import official_agency_ids, user_has_role

    if not user_has_role(user, roles.CASHIER, roles.INTAKE, roles.PROCESSING, roles.LEADER):
        return False
    return payment.agency_id in official_agency_ids(user)


def receipt_by_number(number: str) -> Receipt | None:
    return Receipt.objects.select_related("payment", "agency", "payment__dossier").filter(number=number).first()


def daily_report(*, day, agency_ids=None) -> list[dict]:
    """Per agency and provider: what the portal recorded as paid on `day` and what the gateway
    confirmed at the latest check, with the payments that disagree."""
    qs = Payment.objects.filter(created_at__date=day).select_related("agency")
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    rows: OrderedDict = OrderedDict()
    latest: dict[int, GatewayCheck] = {}
    for check in GatewayCheck.objects.filter(payment__in=qs).order_by("payment_id", "-checked_at", "-id"):
        latest.setdefault(check.payment_id, check)
    for p in qs.order_by("agency__name", "provider", "created_at"):
        key = (p.agency_id, p.provider)
        row = rows.setdefault(
            key,
            {
                "agency": p.agency,
                "provider": p.provider,
                "provider_label": Provider(p.provider).label,
                "portal_count": 0,
                "portal_total": Decimal(0),
                "gateway_count": 0,
                "gateway_total": Decimal(0),
                "unchecked": 0,
                "mismatches": [],
            },
        )
        portal_paid = p.status == Payment.Status.PAID
        if portal_paid:
            row["portal_count"] += 1
            row["portal_total"] += p.amount
        if p.provider == Provider.COUNTER:
            gateway_paid, gateway_amount, check = portal_paid, p.amount, None
        else:
            check = latest.get(p.pk)
            if check is None:
                row["unchecked"] += 1
                continue
            gateway_paid, gateway_amount = check.gateway_status == "paid", check.gateway_amount
        if gateway_paid:
            row["gateway_count"] += 1
            row["gateway_total"] += gateway_amount or Decimal(0)
        if portal_paid != gateway_paid or (gateway_paid and gateway_amount != p.amount):
            row["mismatches"].append(
                {
                    "payment": p,
                    "gateway_status": check.gateway_status if check else "",
                    "gateway_amount": gateway_amount,
                }
            )
    return list(rows.values())


def paid_payment_counts_by_agency(*, dossiers) -> dict[int, tuple[int, int]]:
    """For the dossiers of a queryset: per receiving agency of the dossier, (paid online through
    VNPay or MoMo, paid in all). One aggregate query; the dossiers stay a subquery."""
    from django.db.models import Count, Q

    rows = (
        Payment.objects.filter(status=Payment.Status.PAID, dossier__in=dossiers.values("pk"))
        .values("dossier__agency_id")
        .annotate(online=Count("pk", filter=Q(provider__in=[Provider.VNPAY, Provider.MOMO])), paid=Count("pk"))
        .order_by()
    )
    return {r["dossier__agency_id"]: (r["online"], r["paid"]) for r in rows}


def payment_indicator_counts(*, dossiers) -> dict[int, dict[str, int]]:
    """The indicators' payment columns (registered as a dossiers indicator counter)."""
    return {
        agency_id: {"paid_online": online, "paid": paid}
        for agency_id, (online, paid) in paid_payment_counts_by_agency(dossiers=dossiers).items()
    }


def payment_indicator_counts_periods(*, dossiers, periods) -> list[dict[int, dict[str, int]]]:
    """`payment_indicator_counts` of several periods of submission ([start, end) datetimes) in
    one aggregate query: per period, {agency id: {"paid_online": …, "paid": …}}."""
    from django.db.models import Count, Q

    if not periods:
        return []
    online = Q(provider__in=[Provider.VNPAY, Provider.MOMO])
    aggregates = {}
    for i, (start_at, end_at) in enumerate(periods):
        inside = Q(dossier__submitted_at__gte=start_at, dossier__submitted_at__lt=end_at)
        aggregates[f"online_{i}"] = Count("pk", filter=inside & online)
        aggregates[f"paid_{i}"] = Count("pk", filter=inside)
    first, last = min(a for a, _b in periods), max(b for _a, b in periods)
    received = dossiers.filter(submitted_at__gte=first, submitted_at__lt=last)
    rows = (
        Payment.objects.filter(status=Payment.Status.PAID, dossier__in=received.values("pk"))
        .values("dossier__agency_id")
        .annotate(**aggregates)
        .order_by()
    )
    out: list[dict[int, dict[str, int]]] = [{} for _period in periods]
    for r in rows:
        for i, counts in enumerate(out):
            if r[f"paid_{i}"]:
                counts[r["dossier__agency_id"]] = {"paid_online": r[f"online_{i}"], "paid": r[f"paid_{i}"]}
    return out


# The indicators page counts all its periods at once (dossiers.hooks.indicator_counts_periods).
payment_indicator_counts.periods = payment_indicator_counts_periods


def _fee_counts(*, dossier_ids):
    from django.db.models import Count, Q, Sum

    return (
        Fee.objects.filter(dossier_id__in=dossier_ids)
        .values("dossier_id")
        .annotate(
            n=Count("id"),
            due=Sum("amount", filter=Q(status=Fee.Status.DUE)),
            refunded=Count("id", filter=Q(status=Fee.Status.REFUNDED)),
        )
    )


# Built and compiled once per page length (portal.compiled): the queue page asks on every view.
_FEE_STATES = CompiledQuery(_fee_counts)


_FEES_OF = CompiledQuery(lambda *, dossier_id: Fee.objects.filter(dossier_id=dossier_id).order_by())


def fee_states(*, dossier_ids) -> dict[int, dict]:
    """The queue's fee column: per dossier with fees, one line (one query for the whole page)."""
    from django.utils.translation import gettext as _

    from .text import vnd

    rows = _FEE_STATES.fetch(dossier_ids=sorted(set(dossier_ids)))
    states = {}
    for row in rows:
        if row["due"]:
            states[row["dossier_id"]] = {"label": _("Unpaid %(amount)s") % {"amount": vnd(row["due"])}, "tone": "warn"}
        elif row["refunded"] == row["n"]:
            states[row["dossier_id"]] = {"label": _("Fee refunded"), "tone": "info"}
        else:
            states[row["dossier_id"]] = {"label": _("Fee paid"), "tone": "ok"}
    return states


def fee_panel(*, dossier) -> dict | None:
    """The officials' fee panel of a dossier: what is due, what was paid, how, and the receipts.
    Only what the panel shows is read (issue 19): the fees, then the paid payments with their
    receipts — a dossier without fees costs one query."""
    # Sorted here as the models order them: a dossier's rows are few, and the SQL compiler's ORDER BY
    # (it hashes every selected column) costs more than the sort.
    fees = sorted(_FEES_OF.fetch(dossier_id=dossier.pk), key=lambda f: (f.position, f.pk))
    due, total, state = _fees_state(fees)
    if state == "free":
        return None
    from django.urls import reverse

    from .text import vnd

    def receipt(p):
        try:
            return p.receipt
        except Receipt.DoesNotExist:
            return None

    paid = Payment.objects.filter(dossier=dossier, status=Payment.Status.PAID).select_related("receipt")
    return {
        "due": due,
        "state": state,
        "before_intake": fees[0].timing == FeeTiming.BEFORE_INTAKE,
        "total_text": vnd(total),
        "due_text": vnd(due),
        "fee_lines": [
            {"name": f.name, "note": f.note, "amount_text": vnd(f.amount), "status": f.get_status_display()}
            for f in fees
        ],
        "paid_lines": [
            {
                "amount_text": vnd(p.amount),
                "how": p.get_provider_display() if p.method == Payment.Method.ONLINE else p.get_method_display(),
                "paid_at": p.paid_at,
                "receipt_number": r.number if (r := receipt(p)) else "",
                "receipt_url": reverse("payments:receipt-download", args=[p.pk]) if r and r.file else "",
            }
            for p in sorted(paid.order_by(), key=lambda p: p.created_at, reverse=True)
        ],
    }
