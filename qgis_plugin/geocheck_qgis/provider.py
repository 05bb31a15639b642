"""The "geocheck" Processing provider: its algorithms and its one setting (the executable)."""

import os

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon
from processing.core.ProcessingConfig import ProcessingConfig, Setting

from .base import GEOCHECK_PATH
from .batch_check import BatchCheckFolder
from .check_submission import CheckSubmission

ICON = os.path.join(os.path.dirname(__file__), "icon.svg")


class GeocheckProvider(QgsProcessingProvider):
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
        self.refreshAlgorithms()
        return True

    def unload(self):
        ProcessingConfig.removeSetting(GEOCHECK_PATH)

    def loadAlgorithms(self):  # noqa: N802
        self.addAlgorithm(CheckSubmission())
        self.addAlgorithm(BatchCheckFolder())
