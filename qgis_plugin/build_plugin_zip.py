#!/usr/bin/env python3
"""Build the installable QGIS plugin zip: python qgis_plugin/build_plugin_zip.py OUT_DIR

Writes OUT_DIR/geocheck_qgis-<version>.zip with one root folder, geocheck_qgis/, as QGIS's
Plugins ▸ Install from ZIP expects. The zip is byte-for-byte reproducible: entries sorted,
fixed timestamps and permissions, no __pycache__.
"""

from __future__ import annotations

import configparser
import sys
import zipfile
from pathlib import Path

PLUGIN = Path(__file__).resolve().parent / "geocheck_qgis"
SHIPPED = {".py", ".txt", ".svg", ".png", ".qml", ".md"}
EPOCH = (1980, 1, 1, 0, 0, 0)  # earliest time a zip can store


def plugin_version() -> str:
    meta = configparser.ConfigParser()
    meta.read(PLUGIN / "metadata.txt", encoding="utf-8")
    return meta["general"]["version"]


def plugin_files() -> list[Path]:
    return sorted(p for p in PLUGIN.rglob("*")
                  if p.is_file() and p.suffix in SHIPPED and "__pycache__" not in p.parts)


def build(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"geocheck_qgis-{plugin_version()}.zip"
    tmp = target.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w") as zf:
        for path in plugin_files():
            info = zipfile.ZipInfo(f"{PLUGIN.name}/{path.relative_to(PLUGIN).as_posix()}", EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # "Unix" on every OS, so the bytes do not depend on the builder
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes(), compresslevel=9)
    tmp.replace(target)
    return target


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    print(build(Path(argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
