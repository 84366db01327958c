"""Dates are typed day first in Vietnam: 01/12/2026 is 1 December 2026. Django's own Vietnamese
format module leaves the input formats out, so the US month-first defaults applied and the admin
read 01/12/2026 as 12 January. No month-first format is accepted here.

ISO stays first: the first format is the one widgets display, and <input type="date"> (used by
the citizen's forms) only takes ISO values; the admin shows ISO and accepts day-first typing."""

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2026-12-01 (ISO, what <input type="date"> sends)
    "%d/%m/%Y",  # 01/12/2026
    "%d-%m-%Y",  # 01-12-2026
    "%d.%m.%Y",  # 01.12.2026
    "%d/%m/%y",  # 01/12/26
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
]

# What a person reads: one format, day first (17/05/1994), wherever a date is shown without an
# explicit format (the admin's lists and read-only fields, {{ value|date }}).
DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "H:i d/m/Y"
SHORT_DATETIME_FORMAT = "H:i d/m/Y"
