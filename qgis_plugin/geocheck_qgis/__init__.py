"""QGIS plugin: a Processing provider that runs the geocheck executable.

Only classFactory touches qgis, lazily, so argv.py and runner.py import without QGIS.
"""


def classFactory(iface):  # noqa: N802 (QGIS's name)
    from .plugin import GeocheckPlugin

    return GeocheckPlugin(iface)
