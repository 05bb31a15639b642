"""How a thing is drawn on every picture of a report (SVG and PNG maps, the findings
GeoPackage's QGIS styles). Registries (geocheck.roles, geocheck.references.spec) carry a Style
beside their other facts, so adding a role or a reference kind is one row.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Style:
    label_zh: str
    label_en: str
    color: str  # outline / line / marker colour, #rrggbb
    fill: str | None = None  # fill colour, #rrggbb (None: outline only)
    fill_alpha: float = 0.45
    hatch: str | None = None  # hatch pattern: "/" "\\" "x" "+" "-" "|" "." (repeated: denser)
    width: float = 1.2  # outline or line width, points
    dash: bool | str = False  # True: "6 3"; or an SVG dash array ("2 3", "10 3 2 3")
    marker: str = "o"  # for point geometries

    @property
    def dasharray(self) -> str | None:
        """The SVG stroke-dasharray (pixels), None for a solid line."""
        if not self.dash:
            return None
        return "6 3" if self.dash is True else self.dash

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en
