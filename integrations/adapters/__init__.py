"""National portal adapters (portal/kernel/plugins.py): settings.NATIONAL_SYNC_ADAPTER names one.

An adapter turns our message into the receiver's request and asks it for its counts. It raises
SyncTemporaryError (try again later) or SyncRejected (the receiver refused the message: an
operator must look)."""

from portal.kernel.plugins import PluginRegistry

adapter_registry: PluginRegistry = PluginRegistry("national sync adapter", setting="NATIONAL_SYNC_ADAPTER")


class SyncTemporaryError(Exception):
    """Unreachable, timed out, 5xx, 429: send again later."""


class SyncRejected(Exception):
    """The receiver refused the message (4xx): sending it again unchanged will not help."""


def adapter():
    """An instance of the configured adapter."""
    return adapter_registry.enabled()[0]()
