"""Payments of dossier fees (filled in by the payments work)."""
