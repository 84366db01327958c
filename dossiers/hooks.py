"""Extension points for other apps, without dossiers importing them.

A transition guard is a callable `guard(*, dossier, action) -> str | None`: it returns a
user-facing (translated) message when the action may not happen now (e.g. "the fee is not
paid yet"), or None. payments registers its guard in its AppConfig.ready().
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
