"""Processing algorithm "Batch check folder": `geocheck batch` over a folder of submissions."""

import os
from collections import Counter

from qgis.core import (
    QgsProcessingOutputFile,
    QgsProcessingOutputHtml,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from . import argv as gc_argv
from . import runner
from .base import GeocheckAlgorithm

COUNTS = {"COMPLIANT": "compliant", "NON_COMPLIANT": "non_compliant", "INCOMPLETE": "incomplete", "ERRORS": "error"}


class BatchCheckFolder(GeocheckAlgorithm):
    def name(self):
        return "batch_check"

    def displayName(self):  # noqa: N802
        return self.tr("Batch check folder")

    def shortHelpString(self):  # noqa: N802
        return self.tr(
            "Runs <code>geocheck batch</code> on every submission below a folder (or listed in a "
            "manifest .csv) and writes one report folder per submission plus summary.csv, "
            "summary.json and index.html to the output folder. Submissions whose inputs are "
            "unchanged since their report are skipped unless Re-check all is ticked. Some "
            "submissions that could not be checked are reported as errors in the log, not as a "
            "failure of the run.")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.ask_geocheck()
        self.addParameter(QgsProcessingParameterFile(
            "INPUT", self.tr("Folder of submissions (or a manifest .csv)"),
            behavior=QgsProcessingParameterFile.Folder))
        self.add_profile_params()
        self.addParameter(QgsProcessingParameterNumber(
            "JOBS", self.tr("Parallel jobs (0: one per CPU core)"),
            type=QgsProcessingParameterNumber.Integer, minValue=0, defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean(
            "FORCE", self.tr("Re-check all (also unchanged submissions)"), defaultValue=False))
        self.add_reference_params(advanced=True)
        self.add_lang_param()
        scheduler = QgsProcessingParameterString(
            "SCHEDULER", self.tr("Dask scheduler address (empty: run on this computer)"), optional=True)
        scheduler.setFlags(scheduler.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(scheduler)
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT", self.tr("Output folder")))
        self.addOutput(QgsProcessingOutputHtml("INDEX", self.tr("Index of reports")))
        self.addOutput(QgsProcessingOutputFile("SUMMARY_CSV", self.tr("Summary CSV")))
        self.addOutput(QgsProcessingOutputFile("SUMMARY_JSON", self.tr("Summary JSON")))
        self.addOutput(QgsProcessingOutputNumber("TOTAL", self.tr("Submissions reported")))
        for key, verdict in COUNTS.items():
            self.addOutput(QgsProcessingOutputNumber(key, self.tr(f"Count: {verdict}")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        input_path = os.path.abspath(self.parameterAsFile(parameters, "INPUT", context))
        out_dir = os.path.abspath(self.parameterAsFileOutput(parameters, "OUTPUT", context))
        argv = gc_argv.batch_argv(
            self.executable(), input_path, out_dir, self.caps,
            profile=self.profile(parameters, context),
            references=self.references(parameters, context, feedback),
            lang=self.lang(parameters, context),
            jobs=self.parameterAsInt(parameters, "JOBS", context),
            force=self.parameterAsBool(parameters, "FORCE", context),
            scheduler=self.parameterAsString(parameters, "SCHEDULER", context).strip() or None,
            config=self.config(parameters, context))
        result = self.run_geocheck(argv, feedback, near=input_path)

        if not result.canceled:
            # Exit 2 is either "could not run the batch": a one-line error on stderr and no
            # summary; or "some submissions could not be checked": the rest ran, the summary
            # says which, and stderr is empty: the `[k/n] name: error (reason)` lines tell why.
            # An error on stderr ("… holds no submission") fails the run whatever the exit code.
            failed = runner.failed_submissions(result.stdout)
            if (runner.explicit_error(result.stderr) or result.returncode not in (0, 1, 2, 3)
                    or (result.returncode == 2 and not failed)):
                raise self.failure(result)
            if failed:
                feedback.reportError(
                    self.tr("Some submissions could not be checked: ") + "; ".join(failed), fatalError=False)

        verdicts = Counter(p[3] for p in map(runner.parse_progress, result.stdout) if p)
        outputs = {
            "OUTPUT": out_dir,
            "INDEX": os.path.join(out_dir, "index.html"),
            "SUMMARY_CSV": os.path.join(out_dir, "summary.csv"),
            "SUMMARY_JSON": os.path.join(out_dir, "summary.json"),
            "TOTAL": sum(verdicts.values()),
        }
        outputs.update({key: verdicts.get(verdict, 0) for key, verdict in COUNTS.items()})
        feedback.pushInfo(", ".join(f"{v}: {n}" for v, n in sorted(verdicts.items())) or "no submissions")
        return outputs
