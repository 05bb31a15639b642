"""What both algorithms share: geocheck's capabilities, the profile, reference and language
parameters they offer, and running geocheck."""

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
from . import capabilities, runner

GEOCHECK_PATH = "GEOCHECK_PATH"  # the provider's setting: Processing ▸ Options ▸ Providers ▸ geocheck

LAYER_TYPES = {"polygon": QgsProcessing.TypeVectorPolygon, "point": QgsProcessing.TypeVectorPoint}
# What the dialogs offer while geocheck cannot be asked: nothing to choose; running says why.
NO_CAPABILITIES = {"profiles": [], "reference_kinds": [], "langs": [], "report_formats": [],
                   "default_report_format": {"file": "html"}}


def reference_param(kind):
    return "REF_" + kind.upper()


def executable():
    """The configured geocheck, else the one on PATH (runner.RunError when there is none)."""
    return runner.find_executable((ProcessingConfig.getSetting(GEOCHECK_PATH) or "").strip())


def geocheck_capabilities():
    """(capabilities, None), or (NO_CAPABILITIES, why geocheck cannot be asked)."""
    try:
        return capabilities.load(executable()), None
    except runner.RunError as exc:
        return NO_CAPABILITIES, str(exc)


class GeocheckAlgorithm(QgsProcessingAlgorithm):
    caps, caps_error = NO_CAPABILITIES, None

    def tr(self, text):
        return QCoreApplication.translate("geocheck", text)

    def createInstance(self):  # noqa: N802
        return type(self)()

    def icon(self):
        return QIcon(os.path.join(os.path.dirname(__file__), "icon.svg"))

    # -- parameters ------------------------------------------------------------------------
    def ask_geocheck(self):
        """Read geocheck's capabilities for the parameters (initAlgorithm calls this first)."""
        self.caps, self.caps_error = geocheck_capabilities()

    def checkParameterValues(self, parameters, context):  # noqa: N802
        if self.caps_error:  # one clear error, before anything else is judged
            return False, self.caps_error
        return super().checkParameterValues(parameters, context)

    def add_profile_params(self):
        # By name (static strings), so a saved model keeps its profile whatever geocheck adds;
        # not set: geocheck's own choice (the configuration's profile, else its default).
        self.addParameter(QgsProcessingParameterEnum(
            "PROFILE", self.tr("Profile (empty: the configuration's, else geocheck's default)"),
            options=[p["name"] for p in self.caps["profiles"]], optional=True, usesStaticStrings=True))
        self.addParameter(QgsProcessingParameterFile(
            "PROFILE_FILE", self.tr("Profile file (.toml; overrides Profile)"),
            behavior=QgsProcessingParameterFile.File, fileFilter="Profiles (*.toml)", optional=True))
        self.addParameter(QgsProcessingParameterFile(
            "CONFIG", self.tr("Config file (geocheck.toml; default: found as on the command line)"),
            behavior=QgsProcessingParameterFile.File, fileFilter="geocheck config (*.toml)", optional=True))

    def config(self, parameters, context):
        return self.parameterAsFile(parameters, "CONFIG", context) or None

    def add_reference_params(self, advanced=False):
        for kind in self.caps["reference_kinds"]:
            label = f"{kind['title_en'][:1].upper()}{kind['title_en'][1:]} {kind['title_zh']}"
            param = QgsProcessingParameterVectorLayer(
                reference_param(kind["name"]), self.tr(label), types=[LAYER_TYPES[kind["geometry"]]], optional=True)
            if advanced:
                param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(param)

    def add_lang_param(self):
        lang = QgsProcessingParameterEnum(
            "LANG", self.tr("Report language (empty: geocheck's default)"), options=self.caps["langs"],
            optional=True, usesStaticStrings=True)
        lang.setFlags(lang.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(lang)

    # -- parameter values → plain values for argv.py ---------------------------------------
    def profile(self, parameters, context):
        name = self.parameterAsEnumString(parameters, "PROFILE", context)
        path = self.parameterAsFile(parameters, "PROFILE_FILE", context)
        return gc_argv.profile_value(name, os.path.abspath(path) if path else None)

    def lang(self, parameters, context):
        return self.parameterAsEnumString(parameters, "LANG", context) or None

    def references(self, parameters, context, feedback):
        """{kind: layer source} for the reference inputs given, as files geocheck can open."""
        sources = {}
        for kind in gc_argv.reference_kinds(self.caps):
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
            return executable()
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
