"""Cash or card at the one-stop desk: recorded by a cashier, no gateway involved."""

from django.utils.translation import gettext_lazy as _

from .base import GatewayResult, PaymentProvider, RefundResult, provider_registry


@provider_registry.register
class CounterProvider(PaymentProvider):
    id = "counter"
    label = _("At the counter")
    online = False

    def query(self, *, payment) -> GatewayResult:
        # The portal's own record is the only record of a counter payment.
        return GatewayResult(
            status=payment.status, reference=payment.reference, amount=payment.amount, raw={"source": "portal"}
        )

    def refund(self, *, refund, client_ip: str = "127.0.0.1") -> RefundResult:
        return RefundResult(status="pending", message="cash to be handed back at the counter")
