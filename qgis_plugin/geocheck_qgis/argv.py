"""Build geocheck argv lists from plain values. Pure Python: no qgis import, unit-tested alone.

Every function takes already-resolved paths and strings, and what geocheck says it supports
(`caps`, from capabilities.load); the algorithms translate QGIS parameters into these values.
Arguments are list items, never a shell string, so paths with spaces or Chinese characters need
no quoting.
"""

from __future__ import annotations

import os


def reference_kinds(caps: dict) -> list[str]:
    """--reference KINDs in geocheck's order (the dialog shows them in this order)."""
    return [k["name"] for k in caps["reference_kinds"]]


def profile_value(name: str | None, path: str | None) -> str | None:
    """The --profile value: a .toml path wins over a bundled profile's name; neither: none,
    so geocheck's own choice applies (a geocheck.toml, else its default profile)."""
    return path or name or None


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


def reference_arg(kind: str, source: str, caps: dict) -> str:
    """--reference value for a layer source: KIND=PATH or KIND=PATH:LAYER."""
    if kind not in reference_kinds(caps):
        raise ValueError(f"unknown reference kind {kind!r}")
    path, layer = split_ogr_source(source)
    if path.startswith("/vsi"):
        raise ValueError(reference_problem(source))
    return f"{kind}={path}:{layer}" if layer else f"{kind}={path}"


def report_format(path: str, caps: dict) -> str:
    """geocheck --format for a report file, from its extension (else geocheck's file default, html)."""
    ext = os.path.splitext(path)[1].lower()
    by_suffix = {suffix: f["name"] for f in caps["report_formats"] for suffix in f["suffixes"]}
    return by_suffix.get(ext, caps["default_report_format"]["file"])


def report_file_filter(caps: dict) -> str:
    """The Report parameter's file filter: geocheck's file default first, then every other format."""
    default = caps["default_report_format"]["file"]
    formats = sorted(caps["report_formats"], key=lambda f: f["name"] != default)
    return ";;".join(f"{f['title']} ({' '.join('*' + s for s in f['suffixes'])})" for f in formats)


def _common(caps: dict, profile: str | None, references: dict[str, str] | None, lang: str | None,
            config: str | None = None) -> list[str]:
    """The options both commands take: --config, --profile, --reference (one per kind), --lang."""
    argv: list[str] = []
    if config:
        argv += ["--config", config]
    if profile:
        argv += ["--profile", profile]
    for kind in reference_kinds(caps):  # stable order, whatever order the dict came in
        source = (references or {}).get(kind)
        if source:
            argv += ["--reference", reference_arg(kind, source, caps)]
    if lang:
        argv += ["--lang", lang]
    return argv


def check_argv(executable: str, submission: str, caps: dict, *, profile: str | None = None,
               references: dict[str, str] | None = None, report: str | None = None,
               findings: str | None = None, lang: str | None = None, config: str | None = None) -> list[str]:
    """argv for `geocheck check` (caps: its capabilities). Without a report file the text report
    goes to stdout."""
    argv = [executable, "check", submission] + _common(caps, profile, references, lang, config)
    if report:
        argv += ["--format", report_format(report, caps), "-o", report]
    if findings:
        argv += ["--findings", findings]
    return argv


def batch_argv(executable: str, input_path: str, out_dir: str, caps: dict, *, profile: str | None = None,
               references: dict[str, str] | None = None, lang: str | None = None, jobs: int = 0,
               force: bool = False, scheduler: str | None = None, config: str | None = None) -> list[str]:
    """argv for `geocheck batch` (caps: its capabilities). jobs 0 leaves -j to geocheck (the number of cores)."""
    argv = [executable, "batch", input_path, "--out", out_dir] + _common(caps, profile, references, lang, config)
    if jobs and jobs > 0:
        argv += ["-j", str(int(jobs))]
    if force:
        argv.append("--force")
    if scheduler:
        argv += ["--scheduler", scheduler]
    return argv
