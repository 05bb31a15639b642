"""Area units a Chinese planning reviewer reads: m², km² and 亩 (mu)."""

from typing import overload

M2_PER_KM2 = 1_000_000.0
M2_PER_MU = 10_000.0 / 15.0  # 1 亩 = 666.67 m²; 1 km² = 1 500 亩


def km2(m2: float) -> float:
    return m2 / M2_PER_KM2


def mu(m2: float) -> float:
    return m2 / M2_PER_MU


@overload
def area_triplet(m2: float) -> dict: ...


@overload
def area_triplet(m2: None) -> None: ...


def area_triplet(m2: float | None) -> dict | None:
    """The same area in the three units reports show side by side."""
    if m2 is None:
        return None
    return {"m2": round(m2, 2), "km2": round(km2(m2), 6), "mu": round(mu(m2), 2)}


def group_digits(value: float, decimals: int = 0) -> str:
    """12345678.9 → '12 345 679' (space-grouped, as Chinese technical reports print)."""
    return f"{value:,.{decimals}f}".replace(",", " ")


def format_area(m2: float | None) -> str:
    """'3.052 km² (4 578 亩, 3 052 180 m²)'."""
    if m2 is None:
        return "—"
    return f"{km2(m2):.3f} km² ({group_digits(mu(m2))} 亩, {group_digits(m2)} m²)"
