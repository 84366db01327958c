"""The portal serves Vietnam: in English too, dates are typed day first (01/12/2026 is
1 December 2026), so an official who switches the language reads the same dates the same way."""

from portal.formats.vi.formats import DATE_INPUT_FORMATS, DATETIME_INPUT_FORMATS

__all__ = ["DATETIME_INPUT_FORMATS", "DATE_INPUT_FORMATS"]

# What a person reads: one format, day first (17/05/1994), wherever a date is shown without an
# explicit format (the admin's lists and read-only fields, {{ value|date }}).
DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "H:i d/m/Y"
SHORT_DATETIME_FORMAT = "H:i d/m/Y"
