"""What this geocheck can do, read from the live registries: `geocheck capabilities`.

Programs that drive geocheck (the QGIS plugin, scripts) read this instead of keeping copies of
geocheck's lists; docs/capabilities.md describes its shape.
"""

from __future__ import annotations

from . import __version__
from .findings import VERDICTS, Verdict
from .inputs.formats import FORMATS as INPUT_FORMATS
from .options import OPTIONS
from .profile import DEFAULT_PROFILE, bundled_profiles, load_profile, town_types
from .references.spec import KINDS
from .report.formats import FILE_FORMAT, TERMINAL_FORMAT
from .report.formats import describe as report_formats
from .report.i18n import LANGS
from .roles import ROLES

CAPABILITIES_TYPE = "geocheck_capabilities"
# Each key of the JSON and what it holds (docs/capabilities.md is generated from this and the live values).
SHAPE = {
    "type": f"always `{CAPABILITIES_TYPE}`",
    "version": "geocheck's version, as `geocheck --version` prints it",
    "input_formats": "what `check` reads and `batch` finds, by file suffix (`kind`: vector, cad, archive, folder)",
    "roles": "the layers of a submission, with the option that names a role's layer",
    "reference_kinds": "KIND of `--reference KIND=SOURCE`, with the geometry it takes (polygon or point)",
    "report_formats": "`-f` values: file suffixes, the file a batch writes, whether bytes, whether it may go to "
                      "standard output (else it needs `-o FILE`)",
    "default_report_format": "`check`'s format without `-f` (terminal), and a batch's or a report file's (file)",
    "profiles": "bundled rules profiles (`-p NAME`)",
    "default_profile": "the profile used when none is given or configured",
    "town_types": "`--town-type` values",
    "verdicts": "verdicts in the order that decides them, each with its exit code",
    "langs": "`--lang` values for the HTML, Markdown and Word reports",
    "options": "the check options `check` and `batch` both take, with a batch manifest's column where one sets it",
}


def capabilities() -> dict:
    """Version, input formats, roles, reference kinds, report formats, profiles, town types,
    verdicts with their exit codes, report languages and the check options."""
    flags = {o.role: o.flags[-1] for o in OPTIONS if o.role}
    return {
        "type": CAPABILITIES_TYPE,
        "version": __version__,
        "input_formats": [{"suffix": f.suffix, "title": f.title, "kind": f.kind, "single_layer": f.single_layer,
                           "standalone": f.standalone} for f in INPUT_FORMATS],
        "roles": [{"name": r.key, "title_zh": r.title_zh, "title_en": r.title_en, "option": flags[r.key]}
                  for r in ROLES.values()],
        "reference_kinds": [{"name": k.name, "title_zh": k.title_zh, "title_en": k.title_en, "geometry": k.geometry}
                            for k in KINDS.values()],
        "report_formats": report_formats(),
        "default_report_format": {"terminal": TERMINAL_FORMAT, "file": FILE_FORMAT},
        "profiles": [_profile(name, path) for name, path in sorted(bundled_profiles().items())],
        "default_profile": DEFAULT_PROFILE,
        "town_types": [{"name": name, "title_zh": t["title_zh"], "title_en": t["title_en"]}
                       for name, t in town_types().items()],
        "verdicts": [{"name": v.value, "exit_code": VERDICTS[v].exit_code, "title_zh": VERDICTS[v].title_zh,
                      "title_en": VERDICTS[v].title_en} for v in Verdict],
        "langs": list(LANGS),
        "options": [{"name": o.name, "flags": list(o.flags), "metavar": o.metavar, "repeatable": o.kind in
                     ("pairs", "repeat"), "manifest_column": o.name if o.manifest else None, "help": o.help}
                    for o in OPTIONS],
    }


def _profile(name, path) -> dict:
    prof = load_profile(path)
    return {"name": name, "title_zh": prof.title_zh, "title_en": prof.title_en}


def render_text(caps: dict) -> str:
    """The same, for reading in a terminal."""
    lines = [f"geocheck {caps['version']}", ""]

    def section(title, rows):
        lines.extend([title, *(f"  {row}".rstrip() for row in rows), ""])

    section("Input formats", [f"{f['suffix']:10} {f['title']}" for f in caps["input_formats"]])
    section("Roles", [f"{r['name']:14} {r['option']:16} {r['title_zh']} / {r['title_en']}" for r in caps["roles"]])
    section("Reference kinds (--reference KIND=SOURCE)",
            [f"{k['name']:28} {k['geometry']:8} {k['title_zh']} / {k['title_en']}" for k in caps["reference_kinds"]])
    section("Report formats (-f)", [f"{f['name']:10} {f['title']:14} {' '.join(f['suffixes']):16} batch: "
                                    f"{f['batch_file']}{'' if f['stdout'] else ' (needs -o)'}"
                                    for f in caps["report_formats"]])
    section("Profiles (-p)", [f"{p['name']:16} {p['title_zh']} / {p['title_en']}"
                              + (" (default)" if p["name"] == caps["default_profile"] else "")
                              for p in caps["profiles"]])
    section("Town types (--town-type)", [f"{t['name']:18} {t['title_zh']} / {t['title_en']}"
                                         for t in caps["town_types"]])
    section("Verdicts", [f"{v['name']:14} exit {v['exit_code']}  {v['title_zh']} / {v['title_en']}"
                         for v in caps["verdicts"]])
    section("Report languages (--lang)", [", ".join(caps["langs"])])
    section("Check options (check and batch)",
            [" ".join([*o["flags"], o["metavar"] or ""]).strip().ljust(34)
             + (f" manifest column: {o['manifest_column']}" if o["manifest_column"] else "") for o in caps["options"]])
    return "\n".join(lines).rstrip() + "\n"
