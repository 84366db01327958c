"""Payment providers: one module per gateway in this package, registered in `provider_registry`
(PaymentsConfig.ready() imports every module here); `settings.PAYMENT_PROVIDERS` lists the
enabled ids. Adding a gateway is adding its module and enabling its id in settings."""

from .base import GatewayResult, PaymentProvider, ProviderError, RefundResult, provider_registry


def provider_ids_enabled() -> list[str]:
    return [provider.id for provider in provider_registry.enabled()]


def provider_get(provider_id: str, *, enabled_only: bool = True) -> PaymentProvider:
    if provider_id not in provider_registry or (enabled_only and provider_id not in provider_registry.enabled_ids()):
        raise ProviderError(f"payment provider {provider_id!r} is not enabled")
    return provider_registry.get(provider_id)()


def providers_online() -> list[PaymentProvider]:
    return [provider() for provider in provider_registry.enabled() if provider.online]


__all__ = [
    "GatewayResult",
    "PaymentProvider",
    "ProviderError",
    "RefundResult",
    "provider_get",
    "provider_ids_enabled",
    "provider_registry",
    "providers_online",
]
