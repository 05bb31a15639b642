"""Build geocheck argv lists from plain values. Pure Python: no qgis import, unit-tested alone.

Every function takes already-resolved paths and strings; the algorithms translate QGIS
parameters into these values. Arguments are list items, never a shell string, so paths with
spaces or Chinese characters need no quoting.
"""

from __future__ import annotations

import os

# Bundled profiles (`geocheck profiles`). Index 0 of the enum passes no --profile, so geocheck's
# own choice applies (a geocheck.toml near the submission, else "generic").
PROFILES = ["generic", "zhejiang-2015", "gansu", "national-2021"]
PROFILE_DEFAULT_LABEL = "geocheck default (geocheck.toml, else generic)"

# --reference KIND=SOURCE[:LAYER]: {kind: (geometry, dialog label)}, in the order the dialog
# shows them, which is geocheck.references.spec.KINDS's order (a test compares the two).
REFERENCE_KINDS = {
    "ecological_red_line": ("polygon", "Ecological red line 生态保护红线"),
    "basic_farmland": ("polygon", "Permanent basic farmland 永久基本农田"),
    "urban_development_boundary": ("polygon", "Urban development boundary 城镇开发边界"),
    "heritage_protection_range": ("polygon", "Heritage protection range 文物保护范围"),
    "heritage_control_zone": ("polygon", "Heritage construction-control zone 建设控制地带"),
    "heritage_points": ("point", "Heritage sites (points) 文物保护单位"),
}

LANGS = ["zh", "en"]  # enum index 0 of the dialog's list means "geocheck's default": no --lang

# Report file extension → geocheck --format (anything else: html).
REPORT_FORMATS = {".json": "json", ".txt": "text", ".md": "markdown", ".docx": "docx"}


def lang_value(index: int) -> str | None:
    """The --lang value for the dialog's enum index (0: none, geocheck's default)."""
    return LANGS[index - 1] if 0 < index <= len(LANGS) else None


def profile_value(index: int, path: str | None) -> str | None:
    """The --profile value: a .toml path wins over the enum; enum 0 means none."""
    if path:
        return path
    if index and 0 < index <= len(PROFILES):
        return PROFILES[index - 1]
    return None


def split_ogr_source(source: str) -> tuple[str, str | None]:
    """A QGIS "ogr" layer source → (file path, layer name or None).

    "/d/ref.gpkg|layername=红线|subset=…" → ("/d/ref.gpkg", "红线"). Other options (layerid,
    subset, geometrytype) have no geocheck equivalent and are dropped; callers warn about subset.
    """
    path, *options = source.split("|")
    layer = None
    for option in options:
        key, _, value = option.partition("=")
        if key == "layername" and value:
            layer = value
    return path, layer


def absolute_source(source: str) -> str:
    """The source with its file path made absolute (geocheck runs in another folder)."""
    path, sep, options = source.partition("|")
    if not path or path.startswith("/vsi"):
        return source
    return os.path.abspath(path) + sep + options


def submission_path(source: str) -> str:
    """What geocheck should check for a file or a layer source.

    A layer of a GeoPackage means the whole GeoPackage; a Shapefile means the folder of
    Shapefiles it belongs to (a submission is several layers); a file inside a zip (/vsizip/)
    means the zip.
    """
    path, _layer = split_ogr_source(source)
    if path.startswith("/vsizip/"):
        inner = path[len("/vsizip/"):]
        lower = inner.lower()
        cut = lower.find(".zip")
        if cut >= 0:
            return inner[: cut + 4]
        return inner
    if path.lower().endswith(".shp"):
        return os.path.dirname(path) or "."
    return path


def reference_problem(source: str) -> str | None:
    """Why geocheck cannot read a layer source as a --reference, or None if it can.

    geocheck opens the path itself: GDAL's virtual files (/vsizip/ for a layer inside a .zip,
    /vsicurl/ …) and paths that are not on disk (a layer whose file has gone) are not sources to it.
    """
    path, _layer = split_ogr_source(source)
    if path.startswith("/vsi"):
        return f"{path} is inside an archive or a virtual file system, which geocheck cannot read"
    if not os.path.exists(path):
        return f"{path} is not a file on disk"
    return None


def reference_arg(kind: str, source: str) -> str:
    """--reference value for a layer source: KIND=PATH or KIND=PATH:LAYER."""
    if kind not in REFERENCE_KINDS:
        raise ValueError(f"unknown reference kind {kind!r}")
    path, layer = split_ogr_source(source)
    if path.startswith("/vsi"):
        raise ValueError(reference_problem(source))
    return f"{kind}={path}:{layer}" if layer else f"{kind}={path}"


def report_format(path: str) -> str:
    """geocheck --format for a report file, from its extension (default html)."""
    ext = os.path.splitext(path)[1].lower()
    return REPORT_FORMATS.get(ext, "html")


def _common(profile: str | None, references: dict[str, str] | None, lang: str | None,
            config: str | None = None) -> list[str]:
    """The options both commands take: --config, --profile, --reference (one per kind), --lang."""
    argv: list[str] = []
    if config:
        argv += ["--config", config]
    if profile:
        argv += ["--profile", profile]
    for kind in REFERENCE_KINDS:  # stable order, whatever order the dict came in
        source = (references or {}).get(kind)
        if source:
            argv += ["--reference", reference_arg(kind, source)]
    if lang:
        argv += ["--lang", lang]
    return argv


def check_argv(executable: str, submission: str, *, profile: str | None = None,
               references: dict[str, str] | None = None, report: str | None = None,
               findings: str | None = None, lang: str | None = None, config: str | None = None) -> list[str]:
    """argv for `geocheck check`. Without a report file the text report goes to stdout."""
    argv = [executable, "check", submission] + _common(profile, references, lang, config)
    if report:
        argv += ["--format", report_format(report), "-o", report]
    if findings:
        argv += ["--findings", findings]
    return argv


def batch_argv(executable: str, input_path: str, out_dir: str, *, profile: str | None = None,
               references: dict[str, str] | None = None, lang: str | None = None, jobs: int = 0,
               force: bool = False, scheduler: str | None = None, config: str | None = None) -> list[str]:
    """argv for `geocheck batch`. jobs 0 leaves -j to geocheck (the number of cores)."""
    argv = [executable, "batch", input_path, "--out", out_dir] + _common(profile, references, lang, config)
    if jobs and jobs > 0:
        argv += ["-j", str(int(jobs))]
    if force:
        argv.append("--force")
    if scheduler:
        argv += ["--scheduler", scheduler]
    return argv
