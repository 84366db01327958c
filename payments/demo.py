"""Demo data of payments (idempotent): fee rows for seeded dossiers that have none, and one demo
dossier paid at the counter so the receipt and the cashier's admin have something to show.
Makes no accounts (cashier@example.vn comes from identity)."""

from .models import Fee, Payment
from .services import PAYABLE_DOSSIER_STATES, PaymentError, counter_payment_record, fees_create_for_dossier


def seed(*, password: str, stdout) -> list[tuple[str, str]]:
    from dossiers.models import Dossier
    from identity.models import User

    dossiers = (
        Dossier.objects.filter(status__in=PAYABLE_DOSSIER_STATES).exclude(code=None).select_related("procedure_version")
    )
    created = 0
    for dossier in dossiers:
        if not Fee.objects.filter(dossier=dossier).exists():
            created += len(fees_create_for_dossier(dossier=dossier))
    paid = 0
    cashier = User.objects.filter(email="cashier@example.vn").select_related("official_profile").first()
    demo_citizens = ["citizen1@example.vn", "citizen2@example.vn"]
    already = Payment.objects.filter(dossier__citizen__email__in=demo_citizens, status=Payment.Status.PAID).exists()
    if cashier is not None and hasattr(cashier, "official_profile") and not already:
        candidate = (
            dossiers.filter(
                citizen__email__in=demo_citizens,
                agency=cashier.official_profile.agency,
                fees__status=Fee.Status.DUE,
            )
            .order_by("created_at")
            .first()
        )
        if candidate is not None:
            try:
                counter_payment_record(dossier=candidate, cashier=cashier, method="cash")
                paid = 1
            except PaymentError as exc:
                stdout.write(f"Payments: demo counter payment skipped ({exc}).")
    stdout.write(f"Payments: {created} fee rows added, {paid} demo dossier paid at the counter.")
    return []
