"""Dates are typed day first in Vietnam: 01/12/2026 is 1 December 2026. Django's own Vietnamese
format module leaves the input formats out, so the US month-first defaults applied. The first
format is also the one the admin's date widgets display. ISO (what <input type="date"> sends)
stays accepted."""

DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # 01/12/2026
    "%d-%m-%Y",  # 01-12-2026
    "%d.%m.%Y",  # 01.12.2026
    "%d/%m/%y",  # 01/12/26
    "%Y-%m-%d",  # 2026-12-01 (ISO)
]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
]
