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


def indicator_counts_periods(*, dossiers, periods) -> list[dict[int, dict[str, int]]]:
    """`indicator_counts` of several periods of submission ([start, end) datetimes) at once: per
    period, the counts merged per agency. `dossiers` is not yet limited to the periods. A counter
    with a `periods` attribute (same arguments, a list back) counts them all in one query; any
    other is called once per period."""
    out: list[dict[int, dict[str, int]]] = [{} for _period in periods]
    for counter in indicator_counters:
        many = getattr(counter, "periods", None)
        if many is not None:
            results = many(dossiers=dossiers, periods=periods)
        else:
            results = [counter(dossiers=dossiers.filter(submitted_at__gte=a, submitted_at__lt=b)) for a, b in periods]
        for merged, result in zip(out, results, strict=True):
            for agency_id, counts in result.items():
                merged.setdefault(agency_id, {}).update(counts)
    return out


# The fee panel and the queue's fee column: payments registers a provider answering
# `provider(*, dossier_ids) -> {dossier_id: FeeSummary-like dict}` (one query for a whole page) and
# `detail(*, dossier) -> dict | None` for one dossier's panel (due, paid, how, receipt).
fee_providers: list[tuple[Callable[..., dict], Callable[..., dict | None]]] = []


def fee_provider_register(summaries: Callable[..., dict], detail: Callable[..., dict | None]) -> None:
    if (summaries, detail) not in fee_providers:
        fee_providers.append((summaries, detail))


def fee_summaries(*, dossier_ids) -> dict[int, dict]:
    """{dossier_id: {"label": …, "tone": "ok" | "warn" | "info" | ""}} for dossiers with fees."""
    merged: dict[int, dict] = {}
    for summaries, _detail in fee_providers:
        merged.update(summaries(dossier_ids=list(dossier_ids)))
    return merged


def fee_detail(*, dossier) -> dict | None:
    for _summaries, detail in fee_providers:
        found = detail(dossier=dossier)
        if found:
            return found
    return None
