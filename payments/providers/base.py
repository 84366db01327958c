"""The payment-provider interface: every gateway (VNPay, MoMo, the counter) implements it."""

from dataclasses import dataclass, field
from decimal import Decimal

from portal.kernel.plugins import PluginRegistry


class ProviderError(Exception):
    """The gateway could not be reached or refused the request."""


@dataclass
class GatewayResult:
    """A gateway's word about one payment, normalised.

    status: paid | failed | cancelled | expired | pending | not_found | error
    """

    status: str
    reference: str = ""
    amount: Decimal | None = None
    transaction_no: str = ""
    response_code: str = ""
    bank_code: str = ""
    message: str = ""
    raw: dict = field(default_factory=dict)


@dataclass
class RefundResult:
    """status: done | pending | failed (the gateway refused: final) | error (the gateway was not
    reached or its answer not understood: the refund may be sent again)"""

    status: str
    transaction_no: str = ""
    message: str = ""
    raw: dict = field(default_factory=dict)


class PaymentProvider:
    id: str = ""
    label: str = ""
    online: bool = True  # False: recorded by an official (no gateway)

    def start(self, *, payment, client_ip: str) -> str:
        """Prepare the gateway for `payment`; return the URL to send the payer to."""
        raise ProviderError(f"{self.id} cannot start online payments")

    def query(self, *, payment) -> GatewayResult:
        """Ask the gateway what happened to `payment`."""
        return GatewayResult(status="not_found", reference=payment.reference)

    def refund(self, *, refund, client_ip: str = "127.0.0.1") -> RefundResult:
        """Give back `refund.amount` of `refund.payment`; counter refunds are paid out by hand."""
        return RefundResult(status="pending")


# Every module of this package registers its gateway here (PaymentsConfig.ready() imports them
# all); settings.PAYMENT_PROVIDERS says which ids are enabled.
provider_registry: PluginRegistry[type[PaymentProvider]] = PluginRegistry(
    "payment provider", setting="PAYMENT_PROVIDERS"
)
