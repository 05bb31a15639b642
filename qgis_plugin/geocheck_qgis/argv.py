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

# --reference KIND=SOURCE[:LAYER], in the order the dialog shows them.
REFERENCE_KINDS = [
    "ecological_red_line",
    "basic_farmland",
    "urban_development_boundary",
    "heritage_protection_range",
    "heritage_control_zone",
    "heritage_points",
]

LANGS = ["zh", "en"]  # enum index 0 of the dialog's list means "geocheck's default": no --lang


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


def reference_arg(kind: str, source: str) -> str:
    """--reference value for a layer source: KIND=PATH or KIND=PATH:LAYER."""
    if kind not in REFERENCE_KINDS:
        raise ValueError(f"unknown reference kind {kind!r}")
    path, layer = split_ogr_source(source)
    return f"{kind}={path}:{layer}" if layer else f"{kind}={path}"


def report_format(path: str) -> str:
    """geocheck --format for a report file, from its extension (default html)."""
    ext = os.path.splitext(path)[1].lower()
    return {".json": "json", ".txt": "text"}.get(ext, "html")


def _common(profile: str | None, references: dict[str, str] | None) -> list[str]:
    argv: list[str] = []
    if profile:
        argv += ["--profile", profile]
    for kind in REFERENCE_KINDS:  # stable order, whatever order the dict came in
        source = (references or {}).get(kind)
        if source:
            argv += ["--reference", reference_arg(kind, source)]
    return argv


def check_argv(executable: str, submission: str, *, profile: str | None = None,
               references: dict[str, str] | None = None, report: str | None = None,
               findings: str | None = None, lang: str | None = None) -> list[str]:
    """argv for `geocheck check`. Without a report file the text report goes to stdout."""
    argv = [executable, "check", submission] + _common(profile, references)
    if report:
        argv += ["--format", report_format(report), "-o", report]
    if findings:
        argv += ["--findings", findings]
    if lang:
        argv += ["--lang", lang]
    return argv


def batch_argv(executable: str, input_path: str, out_dir: str, *, profile: str | None = None,
               references: dict[str, str] | None = None, jobs: int = 0,
               force: bool = False, scheduler: str | None = None) -> list[str]:
    """argv for `geocheck batch`. jobs 0 leaves -j to geocheck (the number of cores)."""
    argv = [executable, "batch", input_path, "--out", out_dir] + _common(profile, references)
    if jobs and jobs > 0:
        argv += ["-j", str(int(jobs))]
    if force:
        argv.append("--force")
    if scheduler:
        argv += ["--scheduler", scheduler]
    return argv
