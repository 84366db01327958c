"""The portal serves Vietnam: in English too, dates are typed day first (01/12/2026 is
1 December 2026), so an official who switches the language reads the same dates the same way."""

from portal.formats.vi.formats import DATE_INPUT_FORMATS, DATETIME_INPUT_FORMATS

__all__ = ["DATETIME_INPUT_FORMATS", "DATE_INPUT_FORMATS"]
