"""Admin for cashiers: payments of their agency with filters and totals, refunds inline,
final rows read-only, the daily report per agency and provider (HTML and CSV)."""

import csv
from datetime import date

from django.contrib import admin, messages
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from identity.selectors import official_agency_ids

from . import selectors, services
from .models import Payment, Receipt, Refund


def _agency_ids(request):
    return None if request.user.is_superuser else official_agency_ids(request.user)


class ReadOnlyMixin:
    """Payments, refunds and receipts are written by services only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RefundInline(ReadOnlyMixin, admin.TabularInline):
    model = Refund
    extra = 0
    fields = ("reference", "amount", "status", "reason", "gateway_transaction_no", "created_at", "finished_at")
    readonly_fields = fields


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("reference", "dossier", "agency", "provider", "method", "status", "amount", "created_at", "paid_at")
    list_filter = ("status", "provider", "method", ("created_at", admin.DateFieldListFilter), "agency")
    date_hierarchy = "created_at"
    search_fields = ("reference", "dossier__code", "gateway_transaction_no", "payer_name")
    inlines = [RefundInline]
    actions = ["refund_selected"]
    list_select_related = ("dossier", "agency")
    readonly_fields = [f.name for f in Payment._meta.fields] + ["fees"]
    change_list_template = "admin/payments/payment/change_list.html"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = _agency_ids(request)
        return qs if ids is None else qs.filter(agency_id__in=ids)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context=extra_context)
        cl = getattr(response, "context_data", {}).get("cl") if hasattr(response, "context_data") else None
        if cl is not None:
            totals = cl.queryset.aggregate(
                count=Count("id"),
                paid_count=Count("id", filter=Q(status=Payment.Status.PAID)),
                paid_total=Sum("amount", filter=Q(status=Payment.Status.PAID)),
            )
            refunded = Refund.objects.filter(payment__in=cl.queryset, status=Refund.Status.DONE).aggregate(
                total=Sum("amount")
            )["total"]
            response.context_data["totals"] = {**totals, "refunded": refunded or 0}
        return response

    @admin.action(description=gettext_lazy("Refund the selected paid payments"), permissions=["refund"])
    def refund_selected(self, request, queryset):
        done = 0
        for payment in queryset.filter(status=Payment.Status.PAID):
            services.refund_start(
                payment=payment, reason=_("Refund decided by %(user)s") % {"user": request.user}, by=request.user
            )
            done += 1
        self.message_user(request, _("%(n)d refund(s) started.") % {"n": done}, messages.SUCCESS)

    def has_refund_permission(self, request):
        return request.user.has_perm("payments.add_refund")

    def has_view_permission(self, request, obj=None):
        if obj is not None and not request.user.is_superuser and obj.agency_id not in official_agency_ids(request.user):
            return False
        return super().has_view_permission(request, obj)

    def get_urls(self):
        return [
            path("report/", self.admin_site.admin_view(self.report_view), name="payments_payment_report"),
            *super().get_urls(),
        ]

    def report_view(self, request):
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        try:
            day = date.fromisoformat(request.GET.get("day", ""))
        except ValueError:
            day = timezone.localdate()
        agency_ids = _agency_ids(request)
        if request.method == "POST":
            count = services.payments_check_day(day=day, agency_ids=agency_ids)
            self.message_user(request, _("%(n)d payment(s) checked with the gateways.") % {"n": count})
        rows = selectors.daily_report(day=day, agency_ids=agency_ids)
        if request.GET.get("format") == "csv":
            return _report_csv(day, rows)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Daily payment report"),
            "day": day,
            "rows": rows,
            "csv_url": f"{reverse('admin:payments_payment_report')}?day={day.isoformat()}&format=csv",
        }
        return TemplateResponse(request, "admin/payments/payment/report.html", context)


def _report_csv(day, rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="payments-{day.isoformat()}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
    writer = csv.writer(response)
    writer.writerow(
        [
            "day",
            "agency_code",
            "agency",
            "provider",
            "portal_paid_count",
            "portal_paid_total",
            "gateway_paid_count",
            "gateway_paid_total",
            "unchecked",
            "mismatches",
        ]
    )
    for r in rows:
        writer.writerow(
            [
                day.isoformat(),
                r["agency"].code,
                r["agency"].name,
                r["provider"],
                r["portal_count"],
                r["portal_total"],
                r["gateway_count"],
                r["gateway_total"],
                r["unchecked"],
                " ".join(m["payment"].reference for m in r["mismatches"]),
            ]
        )
    return response


@admin.register(Refund)
class RefundAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("reference", "payment", "provider", "amount", "status", "created_at", "finished_at")
    list_filter = ("status", "provider")
    search_fields = ("reference", "payment__reference", "payment__dossier__code")
    readonly_fields = [f.name for f in Refund._meta.fields]
    actions = ["mark_paid_out"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("payment")
        ids = _agency_ids(request)
        return qs if ids is None else qs.filter(payment__agency_id__in=ids)

    @admin.action(description=gettext_lazy("Mark counter refunds as handed back"), permissions=["view"])
    def mark_paid_out(self, request, queryset):
        n = 0
        for refund in queryset.filter(status=Refund.Status.PENDING, provider="counter"):
            n += services.refund_mark_paid_out(refund=refund, by=request.user)
        self.message_user(request, _("%(n)d refund(s) marked as handed back.") % {"n": n})


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "agency", "payment", "issued_at")
    search_fields = ("number", "payment__reference", "payment__dossier__code")
    readonly_fields = ("number", "agency", "payment", "year", "sequence", "file", "issued_at")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = _agency_ids(request)
        return qs if ids is None else qs.filter(agency_id__in=ids)
