"""Service-quality indicators (Decision 766/QĐ-TTg, 2022) shown to leaders: weights and targets.

Not read from the environment: a province changes them here (dossiers/indicators.py reads them).
"""

# The decision's exact per-indicator formulas are unverified (DOMAIN.md): these weights turn the
# computed ratios into a 0–100 score; a ratio without data ("—") is left out and the other
# weights are scaled up to 100.
INDICATOR_WEIGHTS = {
    "on_time_rate": 30,  # processing progress and results
    "online_share": 10,  # online service provision
    "fully_online_share": 10,
    "online_payment_share": 10,
    "digitised_results_share": 20,  # digitisation of dossiers
    "satisfied_share": 20,  # satisfaction (ratings of 4 or 5)
}
# Targets shown next to the values: (comparison, percent). Bình Dương's 2025 targets.
INDICATOR_TARGETS = {
    "online_share": (">=", 80),
    "fully_online_share": (">", 50),
    "online_payment_share": (">=", 80),
    "digitised_results_share": (">", 90),
}
