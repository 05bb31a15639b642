"""What both algorithms share: profile, reference and language parameters, and running geocheck."""

import os
import shlex

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterVectorLayer,
    QgsProject,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon
from processing.core.ProcessingConfig import ProcessingConfig

from . import argv as gc_argv
from . import runner

GEOCHECK_PATH = "GEOCHECK_PATH"  # the provider's setting: Processing ▸ Options ▸ Providers ▸ geocheck

LAYER_TYPES = {"polygon": QgsProcessing.TypeVectorPolygon, "point": QgsProcessing.TypeVectorPoint}


def reference_param(kind):
    return "REF_" + kind.upper()


class GeocheckAlgorithm(QgsProcessingAlgorithm):
    def tr(self, text):
        return QCoreApplication.translate("geocheck", text)

    def createInstance(self):  # noqa: N802
        return type(self)()

    def icon(self):
        return QIcon(os.path.join(os.path.dirname(__file__), "icon.svg"))

    # -- parameters ------------------------------------------------------------------------
    def add_profile_params(self):
        self.addParameter(QgsProcessingParameterEnum(
            "PROFILE", self.tr("Profile"), options=[gc_argv.PROFILE_DEFAULT_LABEL] + gc_argv.PROFILES,
            defaultValue=0))
        self.addParameter(QgsProcessingParameterFile(
            "PROFILE_FILE", self.tr("Profile file (.toml; overrides Profile)"),
            behavior=QgsProcessingParameterFile.File, fileFilter="Profiles (*.toml)", optional=True))
        self.addParameter(QgsProcessingParameterFile(
            "CONFIG", self.tr("Config file (geocheck.toml; default: found as on the command line)"),
            behavior=QgsProcessingParameterFile.File, fileFilter="geocheck config (*.toml)", optional=True))

    def config(self, parameters, context):
        return self.parameterAsFile(parameters, "CONFIG", context) or None

    def add_reference_params(self, advanced=False):
        for kind, (geometry, label) in gc_argv.REFERENCE_KINDS.items():
            param = QgsProcessingParameterVectorLayer(
                reference_param(kind), self.tr(label), types=[LAYER_TYPES[geometry]], optional=True)
            if advanced:
                param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(param)

    def add_lang_param(self):
        lang = QgsProcessingParameterEnum(
            "LANG", self.tr("Report language"), options=["geocheck default", "中文 zh", "English en"],
            defaultValue=0)
        lang.setFlags(lang.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(lang)

    # -- parameter values → plain values for argv.py ---------------------------------------
    def profile(self, parameters, context):
        index = self.parameterAsEnum(parameters, "PROFILE", context)
        path = self.parameterAsFile(parameters, "PROFILE_FILE", context)
        return gc_argv.profile_value(index, os.path.abspath(path) if path else None)

    def lang(self, parameters, context):
        return gc_argv.lang_value(self.parameterAsEnum(parameters, "LANG", context))

    def references(self, parameters, context, feedback):
        """{kind: layer source} for the reference inputs given, as files geocheck can open."""
        sources = {}
        for kind in gc_argv.REFERENCE_KINDS:
            name = reference_param(kind)
            if not parameters.get(name):
                continue
            layer = self.parameterAsVectorLayer(parameters, name, context)
            if layer is None:
                raise QgsProcessingException(f"{kind}: cannot open {parameters[name]}")
            if layer.providerType() != "ogr":
                raise QgsProcessingException(
                    f"{kind}: layer “{layer.name()}” is not a file ({layer.providerType()}); "
                    "export it to a GeoPackage first")
            source = gc_argv.absolute_source(layer.source())
            problem = gc_argv.reference_problem(source)
            if problem:
                raise QgsProcessingException(
                    f"{kind}: layer “{layer.name()}”: {problem}; save it as a GeoPackage first")
            if layer.subsetString():  # geocheck reads the whole layer
                feedback.pushWarning(
                    f"{kind}: the layer filter of “{layer.name()}” is ignored; geocheck reads all features")
            sources[kind] = source
        return sources

    # -- running ---------------------------------------------------------------------------
    def executable(self):
        try:
            return runner.find_executable((ProcessingConfig.getSetting(GEOCHECK_PATH) or "").strip())
        except runner.RunError as exc:
            raise QgsProcessingException(str(exc)) from None

    def run_geocheck(self, argv, feedback, near):
        """Run geocheck, streaming its lines to feedback. Raises QgsProcessingException if it
        cannot start; otherwise returns runner.Result (the caller decides what exit 2 means).

        geocheck runs in the QGIS project's folder (QGIS's own working directory without a saved
        project), the counterpart of the folder a reviewer runs the CLI in: the configuration is
        then found the one documented way (docs/user-guide.md), never from inside the submission.
        `near` is kept for callers; it no longer decides where the configuration comes from."""
        home = QgsProject.instance().homePath()
        cwd = home if home and os.path.isdir(home) else None
        feedback.pushCommandInfo(shlex.join(argv))

        def on_line(_stream, line):
            progress = runner.parse_progress(line)
            if progress:
                done, total = progress[0], progress[1]
                feedback.setProgress(100.0 * done / max(total, 1))
                feedback.pushInfo(line)
            else:
                feedback.pushConsoleInfo(line)

        try:
            return runner.run(argv, on_line=on_line, is_canceled=feedback.isCanceled, cwd=cwd)
        except runner.RunError as exc:
            raise QgsProcessingException(str(exc)) from None

    @staticmethod
    def failure(result):
        return QgsProcessingException(runner.error_message(result.stderr, result.returncode))
