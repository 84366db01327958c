"""The error of every refused dossier action (the lifecycle table and the services raise it)."""


class DossierActionError(Exception):
    """An action that may not happen now; str(error) is a message for the person who tried."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)
