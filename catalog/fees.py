"""What a dossier owes: the procedure's fee lines applied to the answers of its e-form. The one
place where a fee per copy or per item is multiplied by the number asked (the review step, the
fee rows of payments and the official's view all read it)."""

from decimal import Decimal, InvalidOperation


def _quantity(value) -> int:
    """A count typed in the e-form: a whole number ≥ 1; anything else counts as 1 (the e-form's
    own checks refuse it before submission)."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return 1
    if number != number.to_integral_value() or number < 1:
        return 1
    return int(number)


def fee_lines_due(snapshot: dict, form_data: dict | None) -> list[dict]:
    """[{name, kind, note, unit_amount, quantity, amount}] of every line with something to pay:
    a flat line once, a line `per_unit_field` times the number the citizen asked for."""
    lines = []
    for position, line in enumerate((snapshot or {}).get("fees") or []):
        try:
            unit = Decimal(str(line.get("amount") or "0"))
        except InvalidOperation:
            continue
        if unit <= 0:
            continue
        field = line.get("per_unit_field") or ""
        quantity = _quantity((form_data or {}).get(field, 1)) if field else 1
        lines.append(
            {
                "position": position,
                "name": str(line.get("name", "")),
                "kind": line.get("kind") or "fee",
                "note": str(line.get("note") or ""),
                "unit_amount": unit,
                "quantity": quantity,
                "amount": unit * quantity,
            }
        )
    return lines


def fee_total_due(snapshot: dict, form_data: dict | None) -> Decimal:
    return sum((line["amount"] for line in fee_lines_due(snapshot, form_data)), Decimal(0))
