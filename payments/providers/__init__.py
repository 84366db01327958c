"""Registry of payment providers keyed by id; `settings.PAYMENT_PROVIDERS` lists the enabled ones."""

from django.conf import settings

from .base import GatewayResult, PaymentProvider, ProviderError, RefundResult

_registry: dict[str, type[PaymentProvider]] = {}


def provider_register(cls: type[PaymentProvider]) -> type[PaymentProvider]:
    _registry[cls.id] = cls
    return cls


def provider_ids_enabled() -> list[str]:
    return [pid for pid in settings.PAYMENT_PROVIDERS if pid in _registry]


def provider_get(provider_id: str, *, enabled_only: bool = True) -> PaymentProvider:
    if provider_id not in _registry or (enabled_only and provider_id not in settings.PAYMENT_PROVIDERS):
        raise ProviderError(f"payment provider {provider_id!r} is not enabled")
    return _registry[provider_id]()


def providers_online() -> list[PaymentProvider]:
    return [_registry[pid]() for pid in provider_ids_enabled() if _registry[pid].online]


from . import counter, momo, vnpay  # noqa: E402  (register the built-in providers)

__all__ = [
    "GatewayResult",
    "PaymentProvider",
    "ProviderError",
    "RefundResult",
    "counter",
    "momo",
    "provider_get",
    "provider_ids_enabled",
    "provider_register",
    "providers_online",
    "vnpay",
]
