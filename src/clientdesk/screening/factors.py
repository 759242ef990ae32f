"""This module's own risk factors (registered in ``apps.ScreeningConfig.ready``).

Numbers come from settings (``RISK_*``), so compliance tunes them without a release.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings

from .countries import country_name
from .models import HitStatus, ListCategory, ScreeningHit
from .risk import register_factor


def screening_hits(customer: Any) -> tuple[int, str]:
    """Confirmed hits count, by list category (the highest category's points).

    Open hits are not counted: they are possible matches until an officer decides.
    """
    rows = ScreeningHit.objects.filter(
        customer_id=customer.pk, status=HitStatus.CONFIRMED
    ).values_list("screening_list__category", "screening_list__name")
    confirmed = Counter(rows)
    points_by_category: dict[str, int] = settings.RISK_HIT_POINTS
    points = max((points_by_category.get(cat, 0) for cat, _ in confirmed), default=0)
    parts = [f"{n} confirmed on {name}" for (_, name), n in sorted(confirmed.items())]
    if any(cat == ListCategory.PEP for cat, _ in confirmed):
        # A confirmed PEP is High risk at least, whatever else the score holds.
        points = max(points, int(settings.RISK_LEVEL_THRESHOLDS["high"]))
        parts.append("a confirmed PEP is rated High at least")
    return points, "; ".join(parts) + "." if parts else "No confirmed screening hits."


def country_risk(customer: Any) -> tuple[int, str]:
    code = (customer.country or "").upper()
    lists: dict[str, dict[str, Any]] = settings.RISK_COUNTRY_LISTS
    for name, spec in lists.items():
        if code in {c.upper() for c in spec["countries"]}:
            label = "high-risk" if name == "high" else f"{name} (increased monitoring)"
            return int(spec["points"]), f"{country_name(code) or code} is on the {label} list."
    return 0, f"{country_name(code) or code or 'No country'}: not on a country risk list."


def state_risk(customer: Any) -> tuple[int, str]:
    state = (customer.state or "").strip()
    table = settings.RISK_STATE_POINTS.get((customer.country or "").upper(), {})
    points = {k.lower(): v for k, v in table.items()}.get(state.lower(), 0)
    if points:
        return points, f"{state} is on the state risk list."
    return 0, f"{state or 'No state given'}: not on the state risk list."


def occupation(customer: Any) -> tuple[int, str]:
    text = (customer.occupation or "").lower()
    if not text:
        return 0, "No occupation given."
    found = [(p, k) for k, p in settings.RISK_OCCUPATION_POINTS.items() if k in text]
    if not found:
        return 0, f"{customer.occupation}: not a higher-risk occupation."
    points, keyword = max(found)
    return points, f"{customer.occupation}: higher-risk occupation (“{keyword}”)."


def income_band(customer: Any) -> tuple[int, str]:
    band = customer.income_band or ""
    points = int(settings.RISK_INCOME_POINTS.get(band, 0))
    label = customer.get_income_band_display() if band else "Not declared"
    return points, f"{label}." if not points else f"{label}: adds risk."


def register() -> None:
    register_factor("screening_hits", "Screening hits", screening_hits)
    register_factor("country", "Country risk", country_risk)
    register_factor("state", "State / region risk", state_risk)
    register_factor("occupation", "Occupation", occupation)
    register_factor("income_band", "Income band", income_band)
