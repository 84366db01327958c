"""Extension points filled by other apps (dossiers), so identity never imports them.

- A document access checker `(user, document) -> bool` says whether an official may open a
  citizen's personal document (e.g. because it is attached to a dossier they handle).
- An open dossier checker `(user) -> bool` says whether a citizen still has a dossier in
  progress, which blocks closing the account.
Both default to "no" when nothing is registered.
"""

from collections.abc import Callable

DocumentAccessChecker = Callable[..., bool]
OpenDossierChecker = Callable[..., bool]

document_access_checkers: list[DocumentAccessChecker] = []
open_dossier_checkers: list[OpenDossierChecker] = []


def document_access_checker_register(checker: DocumentAccessChecker) -> DocumentAccessChecker:
    if checker not in document_access_checkers:
        document_access_checkers.append(checker)
    return checker


def open_dossier_checker_register(checker: OpenDossierChecker) -> OpenDossierChecker:
    if checker not in open_dossier_checkers:
        open_dossier_checkers.append(checker)
    return checker


def document_access_allowed(user, document) -> bool:
    return any(checker(user, document) for checker in document_access_checkers)


def has_open_dossier(user) -> bool:
    return any(checker(user) for checker in open_dossier_checkers)
