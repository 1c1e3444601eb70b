"""The one way aimlabel words a Pydantic validation error for a person.

`field: message` per error (the location dotted, Pydantic's "Value error, " prefix dropped),
joined with "; ". `limit` keeps the first few and says how many more there were; `whole` names
the location of an error about the whole object (empty: no location shown); `locations=False`
leaves locations out altogether, for options whose name the caller already gives.
"""

from __future__ import annotations

from pydantic import ValidationError


def validation_message(exc: ValidationError, *, limit: int | None = None, whole: str = "", locations: bool = True) -> str:
    errors = exc.errors()
    shown = errors[:limit] if limit is not None else errors
    parts = []
    for error in shown:
        where = ".".join(str(p) for p in error["loc"]) or whole
        prefix = f"{where}: " if locations and where else ""
        parts.append(prefix + error["msg"].removeprefix("Value error, "))
    more = len(errors) - len(shown)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
