"""One registry pattern for every integration: payment providers, notification channels, e-ID
providers, population registries and (later) document signers.

A plugin is a class with a string attribute `id`. A domain creates one `PluginRegistry`, its
plugin modules decorate their classes with `registry.register`, and settings choose among them
by id. The registry holds classes; callers instantiate them, since settings are read at call time.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

P = TypeVar("P", bound=type)


class PluginNotFound(LookupError):
    """No plugin of that id is registered."""


class PluginRegistry(Generic[P]):
    """Plugin classes of one kind, keyed by their `id`.

    `kind` names them in error messages ("payment provider"). `setting` names the Django setting
    that says which ids are enabled: one id, a list of ids, or a mapping whose values are ids.
    """

    def __init__(self, kind: str, *, setting: str = ""):
        self.kind = kind
        self.setting = setting
        self._plugins: dict[str, P] = {}

    def register(self, cls: P) -> P:
        """Class decorator: add `cls` under `cls.id`. Two plugins with one id are a mistake."""
        plugin_id = getattr(cls, "id", "")
        if not plugin_id or not isinstance(plugin_id, str):
            raise ImproperlyConfigured(f"{self.kind} {cls.__qualname__} has no id")
        existing = self._plugins.get(plugin_id)
        if existing is not None and existing is not cls:
            raise ImproperlyConfigured(
                f"{self.kind} id {plugin_id!r} is taken by {existing.__module__}.{existing.__qualname__}; "
                f"{cls.__module__}.{cls.__qualname__} needs another id"
            )
        self._plugins[plugin_id] = cls
        return cls

    def get(self, plugin_id: str) -> P:
        try:
            return self._plugins[plugin_id]
        except KeyError:
            known = ", ".join(sorted(self._plugins)) or "none"
            raise PluginNotFound(f"unknown {self.kind} {plugin_id!r} (registered: {known})") from None

    def enabled_ids(self) -> list[str]:
        """The ids the setting names, in its order."""
        value = getattr(settings, self.setting) if self.setting else list(self._plugins)
        if isinstance(value, str):
            return [value]
        if isinstance(value, Mapping):
            return list(dict.fromkeys(value.values()))
        return list(value)

    def enabled(self) -> list[P]:
        """The classes the setting enables; an id nobody registered is a configuration error."""
        unknown = [pid for pid in self.enabled_ids() if pid not in self._plugins]
        if unknown:
            known = ", ".join(sorted(self._plugins)) or "none"
            raise ImproperlyConfigured(
                f"settings.{self.setting} names unknown {self.kind} ids {', '.join(unknown)} (registered: {known})"
            )
        return [self._plugins[pid] for pid in self.enabled_ids()]

    def autodiscover(self, package: str) -> None:
        """Import every public module of `package`, so its plugins register themselves: adding a
        plugin is adding a module (and enabling its id in settings), never editing a list."""
        module = importlib.import_module(package)
        for info in pkgutil.iter_modules(module.__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{package}.{info.name}")

    def __contains__(self, plugin_id: object) -> bool:
        return plugin_id in self._plugins

    def __iter__(self) -> Iterator[P]:
        return iter(list(self._plugins.values()))

    def __len__(self) -> int:
        return len(self._plugins)

    def __repr__(self) -> str:
        return f"<PluginRegistry {self.kind}: {', '.join(self._plugins)}>"
