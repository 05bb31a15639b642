"""The "geocheck" Processing provider: its algorithms and its one setting (the executable)."""

import os

from qgis.core import Qgis, QgsMessageLog, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon
from processing.core.ProcessingConfig import ProcessingConfig, Setting

from . import capabilities
from .base import GEOCHECK_PATH, geocheck_capabilities
from .batch_check import BatchCheckFolder
from .check_submission import CheckSubmission

ICON = os.path.join(os.path.dirname(__file__), "icon.svg")


class GeocheckProvider(QgsProcessingProvider):
    load_error = None  # why geocheck could not be asked what it supports, when it could not

    def id(self):
        return "geocheck"

    def name(self):
        return "geocheck"

    def longName(self):  # noqa: N802
        return "geocheck — 特色小镇 planning submission checks"

    def icon(self):
        return QIcon(ICON)

    def load(self):
        ProcessingConfig.settingIcons[self.name()] = self.icon()
        ProcessingConfig.addSetting(Setting(
            self.name(), GEOCHECK_PATH, self.tr("geocheck executable (empty: find geocheck on PATH)"),
            "", valuetype=Setting.FILE))
        ProcessingConfig.readSettings()
        # geocheck is asked what it supports once (the algorithms' parameters come from it); if it
        # cannot be run, the algorithms stay listed and say why when used, and the log says so now.
        _caps, self.load_error = geocheck_capabilities()
        if self.load_error:
            QgsMessageLog.logMessage(self.load_error, "geocheck", Qgis.Critical)
        self.refreshAlgorithms()
        return True

    def unload(self):
        ProcessingConfig.removeSetting(GEOCHECK_PATH)
        capabilities.clear()

    def loadAlgorithms(self):  # noqa: N802
        self.addAlgorithm(CheckSubmission())
        self.addAlgorithm(BatchCheckFolder())
