"""Processing algorithm "Check submission": `geocheck check` on one submission."""

import os

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputMultipleLayers,
    QgsProcessingOutputString,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterVectorLayer,
    QgsProcessingUtils,
)

from . import argv as gc_argv
from .base import GeocheckAlgorithm
from .findings_gpkg import feature_layers

# geocheck exit codes (docs/verdicts.md); 2 is an error with one line on stderr.
VERDICTS = {0: "compliant", 1: "non_compliant", 3: "incomplete"}
SUBMISSION_PARAMS = ("SUBMISSION", "SUBMISSION_FOLDER", "SUBMISSION_LAYER")


class _GeoPackageStyle(QgsProcessingLayerPostProcessorInterface):
    """Re-applies the style geocheck saved in the GeoPackage's layer_styles table.

    Processing loads result layers without their default style and may apply the user's
    "default vector style"; this runs last, after both.
    """

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802
        layer.loadDefaultStyle()
        layer.triggerRepaint()

    @classmethod
    def create(cls):
        # QGIS takes ownership and deletes each post-processor after use (so one per layer),
        # but holds only the C++ side: keep the Python side alive or its override is lost.
        processor = cls()
        _POST_PROCESSORS.append(processor)
        return processor


_POST_PROCESSORS = []


class CheckSubmission(GeocheckAlgorithm):
    def name(self):
        return "check_submission"

    def displayName(self):  # noqa: N802
        return self.tr("Check submission")

    def shortHelpString(self):  # noqa: N802
        return self.tr(
            "Runs <code>geocheck check</code> on a 特色小镇 planning submission: a GeoPackage, a .zip "
            "or folder of Shapefiles (a .shp file stands for its folder), or the file behind a "
            "layer (a GeoPackage layer stands for the whole GeoPackage).<br>"
            "Writes the report (HTML; .json, .md or .txt by extension) and the findings GeoPackage, "
            "which loads as styled layers. VERDICT is compliant or non_compliant; a non-compliant "
            "submission is a successful run with findings. Reference layers must be file-based.")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.ask_geocheck()
        # Three ways to name one submission, because a File parameter refuses folders (3.22)
        # and a fileFilter would refuse other vector formats.
        self.addParameter(QgsProcessingParameterFile(
            "SUBMISSION", self.tr("Submission file (GeoPackage, .zip, or any .shp of its folder)"),
            behavior=QgsProcessingParameterFile.File, optional=True))
        self.addParameter(QgsProcessingParameterFile(
            "SUBMISSION_FOLDER", self.tr("…or a folder of Shapefiles"),
            behavior=QgsProcessingParameterFile.Folder, optional=True))
        self.addParameter(QgsProcessingParameterVectorLayer(
            "SUBMISSION_LAYER", self.tr("…or the file behind this layer"), optional=True))
        self.add_profile_params()
        self.add_reference_params()
        self.add_lang_param()
        self.addParameter(QgsProcessingParameterFileDestination(
            "REPORT", self.tr("Report"), fileFilter=gc_argv.report_file_filter(self.caps),
            optional=True, createByDefault=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            "FINDINGS", self.tr("Findings GeoPackage"), fileFilter="GeoPackage (*.gpkg)",
            optional=True, createByDefault=True))
        self.addOutput(QgsProcessingOutputString("VERDICT", self.tr("Verdict")))
        self.addOutput(QgsProcessingOutputMultipleLayers("FINDINGS_LAYERS", self.tr("Findings layers")))

    def checkParameterValues(self, parameters, context):  # noqa: N802
        ok, message = super().checkParameterValues(parameters, context)  # geocheck that cannot run: first
        if ok and len([name for name in SUBMISSION_PARAMS if parameters.get(name)]) != 1:
            return False, self.tr("Give exactly one of: submission file, folder, or layer.")
        return ok, message

    def submission(self, parameters, context):
        if parameters.get("SUBMISSION"):
            source = self.parameterAsFile(parameters, "SUBMISSION", context)
        elif parameters.get("SUBMISSION_FOLDER"):
            source = self.parameterAsFile(parameters, "SUBMISSION_FOLDER", context)
        else:
            layer = self.parameterAsVectorLayer(parameters, "SUBMISSION_LAYER", context)
            if layer is None or layer.providerType() != "ogr":
                raise QgsProcessingException(self.tr("The submission layer is not a file layer."))
            source = layer.source()
        return os.path.abspath(gc_argv.submission_path(source))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        submission = self.submission(parameters, context)
        # Absolute: geocheck runs in the submission's folder, not QGIS's working directory.
        report = self.parameterAsFileOutput(parameters, "REPORT", context)
        report = os.path.abspath(report) if report else None
        findings = self.parameterAsFileOutput(parameters, "FINDINGS", context)
        findings = os.path.abspath(findings) if findings else None
        argv = gc_argv.check_argv(
            self.executable(), submission, self.caps,
            profile=self.profile(parameters, context),
            references=self.references(parameters, context, feedback),
            report=report, findings=findings, lang=self.lang(parameters, context),
            config=self.config(parameters, context))
        result = self.run_geocheck(argv, feedback, near=submission)
        if result.canceled:
            return {"VERDICT": "canceled"}
        if result.returncode not in VERDICTS:
            raise self.failure(result)

        verdict = VERDICTS[result.returncode]
        if verdict == "non_compliant":
            feedback.pushInfo(self.tr("Completed with findings: the submission is non-compliant."))
        elif verdict == "incomplete":
            feedback.reportError(self.tr("Incomplete: checks the profile requires did not run (e.g. a required "
                                         "reference layer was not given); the report says which."), fatalError=False)
        feedback.setProgress(100)
        outputs = {"VERDICT": verdict, "REPORT": report, "FINDINGS": findings, "FINDINGS_LAYERS": []}
        if findings and os.path.exists(findings):
            outputs["FINDINGS_LAYERS"] = self.load_findings(findings, context)
        return outputs

    def load_findings(self, path, context):
        """Queue each findings table to load into the project when the run completes."""
        uris = []
        for name in feature_layers(path):
            uri = f"{path}|layername={name}"
            details = QgsProcessingContext.LayerDetails(
                name, context.project(), "FINDINGS", QgsProcessingUtils.LayerHint.Vector)
            details.setPostProcessor(_GeoPackageStyle.create())
            context.addLayerToLoadOnCompletion(uri, details)
            uris.append(uri)
        return uris
