"""Extension points for other apps, without dossiers importing them.

A transition guard is a callable `guard(*, dossier, action) -> str | None`: it returns a
user-facing (translated) message when the action may not happen now (e.g. "the fee is not
paid yet"), or None. payments registers its guard in its AppConfig.ready().

An indicator counter is a callable `counter(*, dossiers) -> {agency_id: {indicator: count}}`
adding counts the dossiers app cannot make itself to the service-quality indicators (payments
adds `paid` and `paid_online`).
"""

from collections.abc import Callable

TransitionGuard = Callable[..., str | None]
transition_guards: list[TransitionGuard] = []


def transition_guard_register(guard: TransitionGuard) -> TransitionGuard:
    if guard not in transition_guards:
        transition_guards.append(guard)
    return guard


def transition_guards_check(*, dossier, action: str) -> str | None:
    for guard in transition_guards:
        message = guard(dossier=dossier, action=action)
        if message:
            return message
    return None


IndicatorCounter = Callable[..., dict[int, dict[str, int]]]
indicator_counters: list[IndicatorCounter] = []


def indicator_counter_register(counter: IndicatorCounter) -> IndicatorCounter:
    if counter not in indicator_counters:
        indicator_counters.append(counter)
    return counter


def indicator_counts(*, dossiers) -> dict[int, dict[str, int]]:
    """Every registered counter's counts for these dossiers, merged per agency."""
    merged: dict[int, dict[str, int]] = {}
    for counter in indicator_counters:
        for agency_id, counts in counter(dossiers=dossiers).items():
            merged.setdefault(agency_id, {}).update(counts)
    return merged
