#!/usr/bin/python3
"""Screenshot of the "Check submission" dialog for docs/qgis-plugin.md.

Needs a real X server for proper widget rendering (offscreen draws no native styling):
    Xvfb :99 -screen 0 1280x1024x24 &
    DISPLAY=:99 QT_QPA_PLATFORM=xcb /usr/bin/python3 qgis_plugin/make_screenshot.py docs/images/qgis-check-dialog.png
"""

import os
import sys

from unittest import mock

import qgis.utils
from qgis.gui import QgisInterface, QgsMapCanvas
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtGui import QImage
from qgis.PyQt.QtWidgets import QMainWindow
from qgis.testing import start_app

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

app = start_app()  # a GUI QgsApplication
# createAlgorithmDialog parents the dialog to iface.mainWindow(): a stand-in main window.
iface = mock.Mock(spec=QgisInterface)
iface.mainWindow.return_value = QMainWindow()
iface.mapCanvas.return_value = QgsMapCanvas(iface.mainWindow())
iface.browserModel.return_value = None
iface.activeLayer.return_value = None
qgis.utils.iface = iface
sys.path.append("/usr/share/qgis/python/plugins")
sys.path.insert(0, HERE)
from processing.core.Processing import Processing  # noqa: E402

Processing.initialize()
import processing  # noqa: E402

import geocheck_qgis  # noqa: E402

plugin = geocheck_qgis.classFactory(None)
plugin.initProcessing()

sample = os.path.join(REPO, "sample_data")
dialog = processing.createAlgorithmDialog("geocheck:check_submission", {
    "SUBMISSION": os.path.join(sample, "compliant_town.gpkg"),
    "PROFILE": "zhejiang-2015",
    "REF_ECOLOGICAL_RED_LINE": os.path.join(sample, "reference", "ecological_red_line.gpkg"),
    "REF_BASIC_FARMLAND": os.path.join(sample, "reference", "basic_farmland.gpkg"),
})
dialog.resize(860, 900)
dialog.show()


def grab():
    # 256 colours are plenty for a dialog and make the PNG several times smaller.
    image = dialog.grab().toImage().convertToFormat(QImage.Format_Indexed8, Qt.ThresholdDither)
    image.save(sys.argv[1], "PNG", 0)  # 0: smallest file
    app.quit()


QTimer.singleShot(1500, grab)  # let the widgets lay out and paint
app.exec_()
