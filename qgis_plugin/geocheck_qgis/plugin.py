"""Plugin entry: registers the geocheck Processing provider (nothing else in the GUI)."""

from qgis.core import QgsApplication

from .provider import GeocheckProvider


class GeocheckPlugin:
    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None

    def initProcessing(self):  # noqa: N802  qgis_process calls this (hasProcessingProvider=yes)
        if self.provider is None:
            self.provider = GeocheckProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802
        self.initProcessing()
        if self.iface is not None and self.provider.load_error:
            self.iface.messageBar().pushCritical("geocheck", self.provider.load_error)

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
