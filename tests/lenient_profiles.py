"""Bundled profiles with every reference kind made optional, for tests about reading and
measuring submissions (not about reference layers): without reference layers these give
compliant / non_compliant as before, where the real profiles give incomplete (docs/verdicts.md)."""

from __future__ import annotations

import re
import tempfile
from functools import lru_cache
from pathlib import Path

from geocheck.profile import bundled_profiles

_DIR = Path(tempfile.mkdtemp(prefix="geocheck-test-profiles-"))


@lru_cache(maxsize=None)
def references_optional(name: str = "zhejiang-2015") -> str:
    """Path of a copy of bundled profile `name` whose [references] are all optional."""
    text = bundled_profiles()[name].read_text(encoding="utf-8")
    head, table, rest = re.split(r"^(\[references\]\n(?:(?!\[).*\n)*)", text, maxsplit=1, flags=re.M)
    table = re.sub(r'= "required"$', '= "optional"', table, flags=re.M)
    table = re.sub(r"^one_of = .*\n", "", table, flags=re.M)
    path = _DIR / f"{name}.toml"
    path.write_text(head + table + rest, encoding="utf-8")
    return str(path)
