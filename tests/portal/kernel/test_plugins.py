import textwrap

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.kernel.plugins import PluginNotFound, PluginRegistry


class Sandbox:
    id = "sandbox"


class Real:
    id = "real"


@pytest.fixture
def gateways():
    registry = PluginRegistry("gateway", setting="TEST_GATEWAYS")
    registry.register(Sandbox)
    registry.register(Real)
    return registry


def test_plugins_are_found_by_id_and_listed_in_registration_order(gateways):
    assert gateways.get("real") is Real
    assert "sandbox" in gateways and "nope" not in gateways
    assert list(gateways) == [Sandbox, Real]
    assert len(gateways) == 2


def test_a_second_plugin_with_a_taken_id_is_refused(gateways):
    class AlsoSandbox:
        id = "sandbox"

    with pytest.raises(ImproperlyConfigured, match=r"gateway id 'sandbox' is taken by .*Sandbox; .*AlsoSandbox needs"):
        gateways.register(AlsoSandbox)
    assert gateways.get("sandbox") is Sandbox
    gateways.register(Sandbox)  # registering the same class again (a module re-imported) is harmless


def test_a_plugin_without_an_id_is_refused(gateways):
    class Nameless:
        id = ""

    with pytest.raises(ImproperlyConfigured, match=r"gateway .*Nameless has no id"):
        gateways.register(Nameless)


def test_an_unknown_id_names_what_is_registered(gateways):
    with pytest.raises(PluginNotFound, match=r"unknown gateway 'paypal' \(registered: real, sandbox\)"):
        gateways.get("paypal")


def test_enabled_plugins_follow_the_setting_in_its_order(gateways, settings):
    settings.TEST_GATEWAYS = ["real", "sandbox"]
    assert gateways.enabled() == [Real, Sandbox]
    settings.TEST_GATEWAYS = "sandbox"  # a single-choice setting
    assert gateways.enabled() == [Sandbox]
    settings.TEST_GATEWAYS = {"sms": "real", "email": "sandbox", "inbox": "real"}  # channel -> plugin id
    assert gateways.enabled() == [Real, Sandbox]


def test_an_enabled_id_nobody_registered_is_a_configuration_error(gateways, settings):
    settings.TEST_GATEWAYS = ["real", "paypal"]
    with pytest.raises(ImproperlyConfigured, match=r"settings.TEST_GATEWAYS names unknown gateway ids paypal"):
        gateways.enabled()


def test_autodiscovery_registers_every_public_module_of_a_package(tmp_path, monkeypatch):
    package = tmp_path / "demo_gateways"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from portal.kernel.plugins import PluginRegistry\nregistry = PluginRegistry('gateway')\n"
    )
    plugin = textwrap.dedent(
        """
        from . import registry

        @registry.register
        class Gateway:
            id = {id!r}
        """
    )
    (package / "zalopay.py").write_text(plugin.format(id="zalopay"))
    (package / "_draft.py").write_text(plugin.format(id="draft"))
    monkeypatch.syspath_prepend(str(tmp_path))
    import demo_gateways

    demo_gateways.registry.autodiscover("demo_gateways")
    assert [cls.id for cls in demo_gateways.registry] == ["zalopay"]


def test_every_integration_is_a_plugin_registry():
    from identity.eid import eid_providers
    from identity.population_registry import registry_adapters
    from payments.providers import provider_registry
    from portal.channels import channel_plugins

    ids = {
        registry.kind: sorted(cls.id for cls in registry)
        for registry in (provider_registry, channel_plugins, eid_providers, registry_adapters)
    }
    assert ids == {
        "payment provider": ["counter", "momo", "vnpay"],
        "notification channel plugin": ["email", "inbox", "sms-http", "sms-outbox"],
        "e-ID provider": ["oidc"],
        "population registry adapter": ["http"],
    }


def test_each_domain_answers_an_unknown_id_in_its_own_terms(settings):
    from identity.eid import eid_provider
    from identity.population_registry import registry_adapter
    from identity.services import EidLoginError
    from payments.providers import ProviderError, provider_get

    with pytest.raises(ProviderError, match="payment provider 'zalopay' is not enabled"):
        provider_get("zalopay", enabled_only=False)
    settings.PAYMENT_PROVIDERS = ["counter"]
    with pytest.raises(ProviderError, match="payment provider 'vnpay' is not enabled"):
        provider_get("vnpay")
    assert provider_get("vnpay", enabled_only=False).id == "vnpay"  # callbacks of earlier payments still land
    settings.EID_PROVIDER = "vneid-v3"
    with pytest.raises(EidLoginError, match="Chưa cấu hình đăng nhập bằng định danh điện tử"):
        eid_provider()
    with pytest.raises(PluginNotFound, match=r"unknown population registry adapter 'soap' \(registered: http\)"):
        registry_adapter("soap")
