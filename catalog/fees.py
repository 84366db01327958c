"""What a dossier owes: the procedure's fee lines applied to the answers of its e-form. The one
place where a fee is multiplied by the number asked and where tiered fees are worked out (the
review step, the fee rows of payments, the receipt, the API and the official's fee panel all read
it), and the one check of a fee line (the catalog editor, publishing and the catalog import).

A fee line in a procedure snapshot:
- flat: `amount` once;
- per copy / item: `amount` × the e-form number `per_unit_field` (e.g. copies);
- tiered, as fee schedules write them ("2.000 đồng/trang; từ trang thứ ba trở lên thu 1.000
  đồng/trang, tối đa không quá 200.000 đồng/bản"): the e-form number `tier_field` (pages) counts the
  units of one copy; the first `tier_first_units` units cost `amount` each, further units
  `tier_further_amount` each (no `tier_first_units`: every unit costs `amount`); the sum of one copy
  is at most `cap`; then × `per_unit_field` (copies) when the line has one.
The tier keys are in a snapshot only when the line uses them, so older snapshots stay the same."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

TIER_KEYS = ("tier_field", "tier_unit", "tier_first_units", "tier_further_amount", "cap")


def vnd_text(amount) -> str:
    """7000 -> '7.000 đ' (Vietnamese grouping, whole đồng)."""
    return f"{int(amount):,}".replace(",", ".") + " đ"


def _dong(amount) -> str:
    """2000 -> '2.000 đồng', as fee schedules write it."""
    return f"{int(amount):,}".replace(",", ".") + " đồng"


def _quantity(value) -> int:
    """A count typed in the e-form: a whole number ≥ 1; anything else (empty, 0, negative, not a
    whole number) counts as 1 (the e-form's own checks refuse it before submission)."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return 1
    if not number.is_finite() or number != number.to_integral_value() or number < 1:
        return 1
    return int(number)


def _money(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _whole(value) -> int | None:
    number = _money(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def _count(count: int, unit: str) -> str:
    return f"{count} {unit}" if unit else str(count)


def fee_line_due(line: dict, form_data: dict | None, *, position: int = 0) -> dict | None:
    """One snapshot fee line applied to the e-form answers, or None when nothing is due.

    {position, name, kind, note, unit_amount (one copy), quantity (copies), amount, tiered,
    units, parts [(count, price)], capped, cap, breakdown (how the amount is made, without the
    "= amount"), text (breakdown "= amount", or just the amount)}."""
    unit_price = _money(line.get("amount") or "0")
    if unit_price is None or unit_price < 0:
        return None
    answers = form_data or {}
    field = line.get("per_unit_field") or ""
    copies = _quantity(answers.get(field, 1)) if field else 1
    tier_field = line.get("tier_field") or ""
    unit_name = str(line.get("tier_unit") or "")
    cap = _money(line.get("cap"))
    parts: list[tuple[int, Decimal]] = []
    units = None
    if tier_field:
        units = _quantity(answers.get(tier_field, 1))
        first = _whole(line.get("tier_first_units"))
        further_price = _money(line.get("tier_further_amount"))
        if first and further_price is not None and units > first:
            parts = [(first, unit_price), (units - first, further_price)]
        else:
            parts = [(units, unit_price)]
        raw = sum((count * price for count, price in parts), Decimal(0))
    else:
        raw = unit_price
    capped = cap is not None and cap >= 0 and raw > cap
    per_copy = cap if capped else raw
    amount = per_copy * copies
    if amount <= 0:
        return None
    breakdown = ""
    if parts:
        breakdown = " + ".join(f"{_count(count, unit_name)} × {vnd_text(price)}" for count, price in parts)
    if capped:
        sums = f"{breakdown} = {vnd_text(raw)}" if breakdown else vnd_text(raw)
        if field:
            limit = _("at most %(cap)s per copy") % {"cap": vnd_text(cap)}
        else:
            limit = _("at most %(cap)s") % {"cap": vnd_text(cap)}
        breakdown = f"{sums}, {limit}"
        if copies > 1:
            breakdown = f"{copies} × {vnd_text(per_copy)} ({breakdown})"
    elif copies > 1:
        if len(parts) > 1:
            breakdown = f"{copies} × ({breakdown})"
        elif parts:
            breakdown = f"{copies} × {breakdown}"
        else:
            breakdown = f"{copies} × {vnd_text(per_copy)}"
    if breakdown == f"1 × {vnd_text(per_copy)}":
        breakdown = ""  # one unit of a per-unit line without a unit name says nothing more
    return {
        "position": position,
        "name": str(line.get("name", "")),
        "kind": line.get("kind") or "fee",
        "note": str(line.get("note") or ""),
        "unit_amount": per_copy,
        "quantity": copies,
        "amount": amount,
        "tiered": bool(tier_field),
        "units": units,
        "parts": parts,
        "capped": capped,
        "cap": cap,
        "breakdown": breakdown,
        "text": f"{breakdown} = {vnd_text(amount)}" if breakdown else vnd_text(amount),
    }


def fee_lines_due(snapshot: dict, form_data: dict | None) -> list[dict]:
    """Every fee line of the snapshot with something to pay (`fee_line_due`), in catalog order."""
    lines = []
    for position, line in enumerate((snapshot or {}).get("fees") or []):
        due = fee_line_due(line, form_data, position=position)
        if due is not None:
            lines.append(due)
    return lines


def fee_total_due(snapshot: dict, form_data: dict | None) -> Decimal:
    return sum((line["amount"] for line in fee_lines_due(snapshot, form_data)), Decimal(0))


def fee_line_rule(line: dict) -> str:
    """The line's rule in words, e.g. "2.000 đồng/trang; từ đơn vị thứ 3: 1.000 đồng/trang;
    tối đa 200.000 đồng" (the publish diff)."""
    amount = _money(line.get("amount")) or Decimal(0)
    unit = str(line.get("tier_unit") or "")
    if not line.get("tier_field"):
        text = _dong(amount)
    else:
        text = f"{_dong(amount)}/{unit}" if unit else _dong(amount)
        first = _whole(line.get("tier_first_units"))
        further = _money(line.get("tier_further_amount"))
        if first and further is not None:
            further_text = f"{_dong(further)}/{unit}" if unit else _dong(further)
            text += "; " + _("from %(unit)s number %(n)s on: %(amount)s") % {
                "unit": unit or _("unit"),
                "n": first + 1,
                "amount": further_text,
            }
    cap = _money(line.get("cap"))
    if cap is not None:
        text += "; " + _("at most %(cap)s") % {"cap": _dong(cap)}
    return text


def fee_line_problems(line: dict, schema: list | None = None) -> list[str]:
    """Why a fee line is not a valid catalog fee (empty when it is). The catalog editor checks
    each row with it (schema=None: the e-form may change in the same save), publishing and the
    catalog import check it with the e-form schema (the named fields must be its number fields)."""
    problems = []
    amount = _money(line.get("amount"))
    if amount is None or amount != amount.to_integral_value():
        problems.append(_("The amount must be a whole number of đồng."))
    elif amount < 0:
        problems.append(_("A fee amount cannot be negative."))
    tier_field = line.get("tier_field") or ""
    first = line.get("tier_first_units")
    further = line.get("tier_further_amount")
    cap = line.get("cap")
    if first not in (None, ""):
        if _whole(first) is None or _whole(first) < 1:
            problems.append(_("The units at the first amount must be a whole number of at least 1."))
        if further in (None, ""):
            problems.append(_("Give the amount per further unit, or leave the units at the first amount empty."))
    if further not in (None, ""):
        value = _money(further)
        if value is None or value < 0 or value != value.to_integral_value():
            problems.append(_("The amount per further unit must be a whole number of đồng, not negative."))
        if first in (None, ""):
            problems.append(_("Say how many units cost the first amount before the amount per further unit."))
    if cap not in (None, ""):
        value = _money(cap)
        if value is None or value < 0 or value != value.to_integral_value():
            problems.append(_("The maximum must be a whole number of đồng, not negative."))
        elif amount is not None and value < amount:
            problems.append(_("The maximum cannot be lower than the amount of one unit."))
    uses_tiers = any(line.get(k) not in (None, "") for k in ("tier_unit", "tier_first_units", "tier_further_amount"))
    if uses_tiers and not tier_field:
        problems.append(_("A tiered fee needs the e-form field that counts the units (e.g. pages)."))
    if tier_field and tier_field == (line.get("per_unit_field") or ""):
        problems.append(_("The units (e.g. pages) and the copies must be two different e-form fields."))
    if schema is not None:
        numbers = {f.get("name") for f in schema if isinstance(f, dict) and f.get("type") == "number"}
        for key in ("per_unit_field", "tier_field"):
            name = line.get(key) or ""
            if name and name not in numbers:
                problems.append(_("“%(field)s” is not a number field of the e-form.") % {"field": name})
    return problems
