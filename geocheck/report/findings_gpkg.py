"""The findings GeoPackage: every indicator geometry, one layer per kind, styled for QGIS.

Layers are named after the indicator kind (``gap``, ``outside_boundary``, ``uncovered_core``,
``invalid_geometry`` …; an indicator that concerns a reference layer gets ``KIND_REFKIND``,
e.g. ``overlap_ecological_red_line``), in the report's target CRS, with the attributes
``code, severity, status, message_zh, message_en, measured, reference_id`` plus where the
finding comes from. Reference layers drawn on the report's map are written as ``context_KIND``
layers (the features near the town, clipped as on the map). A ``checks`` table (no geometry)
lists every check. Each layer's QGIS style (QML, with an SLD beside it) is stored in the standard
``layer_styles`` table as the default, so QGIS opens the file styled: findings with a renderer
categorised on ``status`` (fail / warn / the rest as a note, the HTML map's colours and
patterns), context layers with their reference style. The file is written to a temporary name
and renamed.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import MultiLineString, MultiPoint, MultiPolygon

from ..crs import crs_of
from ..findings import Indicator, Report
from ..gdal_config import thread_config
from .atomic import atomic_path
from ..findings import Status
from .i18n import STATUS, measured_text, threshold_text
from ..looks import Style
from .styles import CONTEXT_STYLES, STATUS_STYLES, rgba, status_class, style_for, style_key

GEOMETRY_COLUMN = "geom"
FID_COLUMN = "finding_id"
# GeoPackage 1.2: what the GDAL of Debian 12 (and so its QGIS and ogrinfo) reads without warning
DATASET_OPTIONS = {"VERSION": "1.2"}  # the attribute `fid` is the input feature's id
DIMENSION_NAMES = {0: "points", 1: "lines", 2: "polygons"}
MULTI = {0: MultiPoint, 1: MultiLineString, 2: MultiPolygon}
MM_PER_PT = 0.3528
# hatch character → QGIS SimpleFill brush style
BRUSH = {"/": "f_diagonal", "\\": "b_diagonal", "x": "diagonal_x", "+": "cross", "-": "horizontal",
         "|": "vertical", ".": "dense6", "o": "dense5", "*": "dense4"}
MARKER = {"X": "cross_fill", "*": "star", "o": "circle", "s": "square", "^": "triangle", "D": "diamond"}
FIELDS = ("code", "severity", "status", "message_zh", "message_en", "measured", "reference_id",
          "kind", "reference_kind", "role", "layer", "fid", "info", "title_zh", "title_en")


def layer_name(ind: Indicator) -> str:
    """'gap', 'outside_boundary', 'overlap_ecological_red_line' …"""
    ref = ind.reference_kind
    return f"{ind.kind}_{ref}" if ref and ref not in ind.kind else ind.kind


def findings_layers(report: Report) -> dict[str, tuple[gpd.GeoDataFrame, Style, int]]:
    """layer name → (features, style, dimension 0/1/2), for every indicator with a geometry."""
    rows: dict[tuple[str, int], list[dict]] = {}
    keys: dict[tuple[str, int], str] = {}
    for c in report.checks:
        for ind in c.features:
            geom = _single_dimension(ind.geometry)
            if geom is None:
                continue
            dim = int(shapely.get_dimensions(geom))
            name = layer_name(ind)
            rows.setdefault((name, dim), []).append({
                "code": c.code, "severity": c.severity.value, "status": c.status.value,
                "message_zh": c.message_zh, "message_en": c.message_en, "measured": ind.measured,
                "reference_id": None if ind.reference_id is None else str(ind.reference_id), "kind": ind.kind,
                "reference_kind": ind.reference_kind, "role": ind.role, "layer": ind.layer,
                "fid": None if ind.fid is None else str(ind.fid), "info": ind.info,
                "title_zh": c.title_zh, "title_en": c.title_en, "geometry": geom,
            })
            keys[(name, dim)] = style_key(ind)
    names = [name for name, _ in rows]
    crs = _crs(report)
    out = {}
    for (name, dim), records in rows.items():
        full = name if names.count(name) == 1 else f"{name}_{DIMENSION_NAMES[dim]}"
        gdf = gpd.GeoDataFrame(records, columns=[*FIELDS, "geometry"], geometry="geometry", crs=crs)
        gdf["measured"] = gdf["measured"].astype("float64")
        out[full] = (gdf, style_for(keys[(name, dim)]), dim)
    return out


def checks_table(report: Report) -> pd.DataFrame:
    return pd.DataFrame([{
        "code": c.code, "title_zh": c.title_zh, "title_en": c.title_en, "severity": c.severity.value,
        "status": c.status.value, "measured": measured_text(c, "en"), "measured_zh": measured_text(c, "zh"),
        "threshold_zh": threshold_text(c, "zh"), "threshold_en": threshold_text(c, "en"),
        "source": c.source, "message_zh": c.message_zh, "message_en": c.message_en,
    } for c in report.checks], columns=["code", "title_zh", "title_en", "severity", "status", "measured", "measured_zh",
                                        "threshold_zh", "threshold_en", "source", "message_zh", "message_en"])


# SQLite without a sync per layer (5× faster here): the temporary file is fsynced once before it
# is renamed into place, so a reader still never sees a half-written file. Set for this thread's
# writes only (a Dask worker writes several reports at once).
UNSYNCED_SQLITE = {"OGR_SQLITE_SYNCHRONOUS": "OFF"}


def write_findings_gpkg(report: Report, path: str | Path) -> list[str]:
    """Write the findings GeoPackage atomically; returns the names of the geometry layers."""
    layers = findings_layers(report)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    styles = []
    with atomic_path(path, suffix=".tmp.gpkg") as tmp, thread_config(UNSYNCED_SQLITE):
        tmp.unlink()  # GDAL creates the GeoPackage itself
        # findings styled by status and labelled by rule code; context in its reference style
        for by_status, group in ((True, layers), (False, context_layers(report))):
            for name, (gdf, st, dim) in group.items():
                pyogrio.write_dataframe(gdf, tmp, layer=name, driver="GPKG", promote_to_multi=None,
                                        layer_options={"GEOMETRY_NAME": GEOMETRY_COLUMN, "FID": FID_COLUMN},
                                        dataset_options=DATASET_OPTIONS)
                styles.append({
                    "f_table_catalog": "", "f_table_schema": "", "f_table_name": name,
                    "f_geometry_column": GEOMETRY_COLUMN, "styleName": name,
                    "styleQML": qml(st, dim, by_status=by_status, labels=by_status),
                    "styleSLD": sld(st, dim, name, by_status=by_status), "useAsDefault": True,
                    "description": f"geocheck: {st.label_zh} / {st.label_en}", "owner": "", "ui": None,
                    "update_time": now,
                })
        pyogrio.write_dataframe(checks_table(report), tmp, layer="checks", driver="GPKG",
                                dataset_options=DATASET_OPTIONS)
        if styles:
            pyogrio.write_dataframe(pd.DataFrame(styles), tmp, layer="layer_styles", driver="GPKG",
                                    layer_options={"FID": "id"})
    return list(layers)


def context_layers(report: Report) -> dict[str, tuple[gpd.GeoDataFrame, Style, int]]:
    """``context_KIND`` → the reference features near the town that the report's map draws."""
    out = {}
    for kind, st in CONTEXT_STYLES.items():
        geom = _single_dimension(report.geometries.get(kind))
        if geom is None:
            continue
        dim = int(shapely.get_dimensions(geom))
        parts = list(shapely.get_parts(geom))
        gdf = gpd.GeoDataFrame({"reference_kind": [kind] * len(parts)},
                               geometry=[MULTI[dim]([p]) if dim else p for p in parts], crs=_crs(report))
        out[f"context_{kind}"] = (gdf, st, dim)
    return out


def _single_dimension(geom):
    """The highest-dimension parts of a geometry as one Multi* geometry (None when empty):
    an overlay may return a collection of a polygon and stray lines or points."""
    if geom is None or geom.is_empty:
        return None
    parts = [p for p in shapely.get_parts(geom) if not p.is_empty]
    flat = []
    for p in parts:
        flat.extend(shapely.get_parts(p) if p.geom_type == "GeometryCollection" else [p])
    dim = max(int(shapely.get_dimensions(p)) for p in flat)
    keep = [g for p in flat if int(shapely.get_dimensions(p)) == dim for g in shapely.get_parts(p)]
    return keep[0] if len(keep) == 1 and dim == 0 else MULTI[dim](keep)


def _crs(report: Report):
    return crs_of(report.target_crs or {})


# --- QGIS and SLD styles ---------------------------------------------------------------------


def _qcolor(hex_color: str, alpha: float = 1.0) -> str:
    """QGIS's 'r,g,b,a' colour."""
    return ",".join(str(v) for v in rgba(hex_color, alpha))


def _options(props: dict) -> str:
    opts = "".join(f'<Option name={quoteattr(k)} type="QString" value={quoteattr(str(v))}/>' for k, v in props.items())
    legacy = "".join(f"<prop k={quoteattr(k)} v={quoteattr(str(v))}/>" for k, v in props.items())
    return f'<Option type="Map">{opts}</Option>{legacy}'


def _symbol_layers(st: Style, dim: int, outline: Style | None = None) -> tuple[str, list[tuple[str, dict]]]:
    """QGIS symbol layers: the style's fill, then the outline (and hatch) of `outline` (a status
    style) or of the style itself."""
    ol = outline or st
    width = f"{ol.width * MM_PER_PT:.2f}"
    dash = {"line_style": "dash"} if ol.dash is True else \
        {"line_style": "dash", "use_custom_dash": "1", "customdash": ";".join((ol.dasharray or "").split()),
         "customdash_unit": "Pixel"} if ol.dash else {"line_style": "solid"}
    if dim == 2:
        layers = [("SimpleFill", {"color": _qcolor(st.fill, st.fill_alpha) if st.fill else "0,0,0,0",
                                  "style": "solid" if st.fill else "no", "outline_style": "no",
                                  "outline_color": _qcolor(ol.color), "outline_width": "0"})]
        brush = BRUSH.get((ol.hatch or " ")[0])
        layers.append(("SimpleFill", {"color": _qcolor(ol.color), "style": brush or "no", "outline_style": "no",
                                      "outline_color": _qcolor(ol.color), "outline_width": "0"}))
        layers.append(("SimpleLine", {"line_color": _qcolor(ol.color), "line_width": width, "line_width_unit": "MM",
                                      "joinstyle": "miter", **dash}))
        return "fill", layers
    if dim == 1:
        return "line", [("SimpleLine", {"line_color": _qcolor(ol.color), "line_width": width,
                                        "line_width_unit": "MM", "capstyle": "round", "joinstyle": "round", **dash})]
    return "marker", [("SimpleMarker", {"name": MARKER.get(st.marker, "circle"),
                                        "color": _qcolor(st.fill or st.color), "outline_color": _qcolor(ol.color),
                                        "outline_width": "0.4", "size": "4", "size_unit": "MM"})]


def _symbol(name: str, st: Style, dim: int, outline: Style | None = None) -> str:
    kind, layers = _symbol_layers(st, dim, outline)
    body = "".join(f'<layer class="{cls}" enabled="1" locked="0" pass="0">{_options(p)}</layer>' for cls, p in layers)
    return f'<symbol type="{kind}" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">{body}</symbol>'


STATUS_CATEGORIES = (Status.FAIL, Status.WARN, Status.NOT_RUN, Status.PASS, Status.SKIP)


def qml(st: Style, dim: int, *, by_status: bool = False, labels: bool = True) -> str:
    """A QGIS layer style (QML). With `by_status`, a renderer categorised on the ``status``
    field: the kind's fill with the status's outline and hatch (fail solid and cross-hatched,
    warn dashed with a single hatch, the rest dotted). Findings are labelled by rule code."""
    if by_status:
        cats = "".join(f'<category symbol="{i}" value="{s.value}" label="{STATUS["zh"][s]} {STATUS["en"][s]}" '
                       f'render="true"/>' for i, s in enumerate(STATUS_CATEGORIES))
        symbols = "".join(_symbol(str(i), st, dim, STATUS_STYLES[status_class(s)])
                          for i, s in enumerate(STATUS_CATEGORIES))
        renderer = (f'<renderer-v2 type="categorizedSymbol" attr="status" symbollevels="0" enableorderby="0" '
                    f'forceraster="0"><categories>{cats}</categories><symbols>{symbols}</symbols>'
                    f'<source-symbol>{_symbol("0", st, dim)}</source-symbol><rotation/><sizescale/></renderer-v2>')
    else:
        renderer = ('<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">'
                    f"<symbols>{_symbol('0', st, dim)}</symbols><rotation/><sizescale/></renderer-v2>")
    placement = {2: "1", 1: "2", 0: "6"}[dim]  # over point / parallel line / cartographic around point
    labeling = (
        '<labeling type="simple"><settings calloutType="simple">'
        f'<text-style fieldName="code" isExpression="0" fontSize="9" fontWeight="75" textColor="{_qcolor(st.color)}"'
        ' textOpacity="1" fontSizeUnit="Point" namedStyle="Bold">'
        '<text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255"'
        ' bufferOpacity="0.9" bufferJoinStyle="128"/></text-style>'
        f'<placement placement="{placement}" dist="1" distUnits="MM" placementFlags="10"/>'
        '<rendering obstacle="1" scaleVisibility="0" displayAll="0"/></settings></labeling>') if labels else ""
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f'<qgis version="3.22.0" styleCategories="Symbology|Labeling" labelsEnabled="{int(labels)}">'
        f"{renderer}{labeling}<layerGeometryType>{dim}</layerGeometryType></qgis>\n"
    )


def _sld_symbolizer(st: Style, dim: int, outline: Style | None = None) -> str:
    ol = outline or st
    stroke = (f'<se:Stroke><se:SvgParameter name="stroke">{ol.color}</se:SvgParameter>'
              f'<se:SvgParameter name="stroke-width">{ol.width:g}</se:SvgParameter>'
              + (f'<se:SvgParameter name="stroke-dasharray">{ol.dasharray}</se:SvgParameter>' if ol.dash else "")
              + "</se:Stroke>")
    if dim == 2:
        fill = (f'<se:Fill><se:SvgParameter name="fill">{st.fill}</se:SvgParameter>'
                f'<se:SvgParameter name="fill-opacity">{st.fill_alpha:g}</se:SvgParameter></se:Fill>'
                if st.fill else "")
        return f"<se:PolygonSymbolizer>{fill}{stroke}</se:PolygonSymbolizer>"
    if dim == 1:
        return f"<se:LineSymbolizer>{stroke}</se:LineSymbolizer>"
    return ("<se:PointSymbolizer><se:Graphic><se:Mark><se:WellKnownName>"
            f"{'x' if st.marker == 'X' else 'star' if st.marker == '*' else 'circle'}</se:WellKnownName>"
            f'<se:Fill><se:SvgParameter name="fill">{st.fill or st.color}</se:SvgParameter></se:Fill>'
            f"{stroke}</se:Mark><se:Size>12</se:Size></se:Graphic></se:PointSymbolizer>")


def sld(st: Style, dim: int, name: str, *, by_status: bool = False) -> str:
    """The same style as an OGC SLD 1.1 (for tools other than QGIS), one rule per status."""
    title = escape(f"{st.label_zh} / {st.label_en}")
    if by_status:
        rules = "".join(
            f"<se:Rule><se:Name>{escape(s.value)}</se:Name><ogc:Filter><ogc:PropertyIsEqualTo>"
            f"<ogc:PropertyName>status</ogc:PropertyName><ogc:Literal>{s.value}</ogc:Literal>"
            f"</ogc:PropertyIsEqualTo></ogc:Filter>{_sld_symbolizer(st, dim, STATUS_STYLES[status_class(s)])}</se:Rule>"
            for s in STATUS_CATEGORIES)
    else:
        rules = f"<se:Rule><se:Name>{title}</se:Name>{_sld_symbolizer(st, dim)}</se:Rule>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<StyledLayerDescriptor xmlns="http://www.opengis.net/sld" xmlns:se="http://www.opengis.net/se"'
        ' xmlns:ogc="http://www.opengis.net/ogc" version="1.1.0">'
        f"<NamedLayer><se:Name>{escape(name)}</se:Name><UserStyle><se:Name>{escape(name)}</se:Name>"
        f"<se:FeatureTypeStyle>{rules}</se:FeatureTypeStyle>"
        "</UserStyle></NamedLayer></StyledLayerDescriptor>\n"
    )
