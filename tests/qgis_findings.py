"""Open a findings GeoPackage in real QGIS (PyQGIS). Run by Debian's /usr/bin/python3, which
has the qgis module; pytest and docs/make_samples.py call it in a subprocess.

    python3 qgis_findings.py probe FINDINGS.gpkg LAYER…
        JSON on stdout: for each layer, whether it is valid, its feature count and CRS, and
        the style QGIS applied from the layer_styles table (symbol layers, labels).
    python3 qgis_findings.py render FINDINGS.gpkg OUT.png [BACKGROUND_LAYER_URI …]
        A picture of the findings layers, drawn by QGIS with their stored styles, over the
        given background layers (grey outlines).
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (QgsApplication, QgsCoordinateTransform, QgsFillSymbol, QgsMapRendererParallelJob,  # noqa: E402
                       QgsMapSettings, QgsProject, QgsRectangle, QgsSingleSymbolRenderer, QgsVectorLayer)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402


def _layers(symbol):
    return [{"class": sl.layerType(), "properties": dict(sl.properties())} for sl in symbol.symbolLayers()]


def symbol_layers(layer):
    """(renderer type, symbol layers): a single symbol's, or for a categorised renderer
    {"attribute": field, "categories": {value: symbol layers}}."""
    renderer = layer.renderer()
    if renderer is None:
        return None, []
    if renderer.type() == "categorizedSymbol":
        return renderer.type(), {"attribute": renderer.classAttribute(),
                                 "categories": {str(c.value()): _layers(c.symbol()) for c in renderer.categories()}}
    if renderer.type() != "singleSymbol":
        return renderer.type(), []
    return renderer.type(), _layers(renderer.symbol())


def probe(path, names):
    out = {}
    for name in names:
        uri = f"{path}|layername={name}"
        bare = QgsVectorLayer(uri, name, "ogr", QgsVectorLayer.LayerOptions(False))
        bare_renderer, bare_layers = symbol_layers(bare)
        message, ok = bare.loadDefaultStyle()
        renderer, layers = symbol_layers(bare)
        opened = QgsVectorLayer(uri, name, "ogr")  # as QGIS opens it: default style from the file
        listed = opened.listStylesInDatabase()
        out[name] = {
            "valid": bare.isValid() and opened.isValid(),
            "feature_count": bare.featureCount(),
            "crs": bare.crs().authid(),
            "geometry_type": bare.geometryType(),
            "fields": [f.name() for f in bare.fields()],
            "before_load": {"renderer": bare_renderer, "symbol_layers": bare_layers},
            "load_default_style": {"ok": bool(ok), "message": message},
            "renderer": renderer,
            "symbol_layers": layers,
            "labels_enabled": bare.labelsEnabled(),
            "opened_symbol_layers": symbol_layers(opened)[1],
            "styles_in_database": int(listed[0]),
        }
    return out


def render(path, png, backgrounds):
    layers = []
    probe_layer = QgsVectorLayer(path, "all", "ogr")
    for sub in probe_layer.dataProvider().subLayers():
        name = sub.split("!!::!!")[1]
        layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
        if layer.isValid() and layer.isSpatial():
            layers.append(layer)
    extent = QgsRectangle()
    for layer in layers:
        extent.combineExtentWith(layer.extent())
    dest = layers[0].crs()
    for uri in reversed(backgrounds):  # the first given is drawn at the bottom
        layer = QgsVectorLayer(uri, uri, "ogr", QgsVectorLayer.LayerOptions(False))
        if not layer.isValid():
            continue
        layer.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(
            {"color": "235,235,235,255", "outline_color": "90,90,90,255", "outline_width": "0.3"})))
        to_dest = QgsCoordinateTransform(layer.crs(), dest, QgsProject.instance())
        extent.combineExtentWith(to_dest.transformBoundingBox(layer.extent()))
        layers.append(layer)
    extent.scale(1.08)
    settings = QgsMapSettings()
    settings.setLayers(layers)  # first is drawn on top
    settings.setDestinationCrs(dest)
    settings.setBackgroundColor(QColor(255, 255, 255))
    settings.setOutputSize(QSize(1000, 700))
    settings.setExtent(extent)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(png, "png")
    return {"layers": [l.name() for l in layers]}


def main(argv):
    app = QgsApplication([], False)
    app.initQgis()
    try:
        if argv[1] == "probe":
            result = probe(argv[2], argv[3:])
        elif argv[1] == "render":
            result = render(argv[2], argv[3], argv[4:])
        else:
            raise SystemExit(f"unknown command {argv[1]!r}")
    finally:
        app.exitQgis()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
