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
    text = re.sub(r'^(\w+) = "required"$', r'\1 = "optional"', text, flags=re.M)
    text = re.sub(r"^one_of = .*$", "", text, flags=re.M)
    # roles keep their requirement: only reference kinds are relaxed
    for role in ("boundary", "construction", "core", "urban_design"):
        original = re.search(rf'^{role} = "(\w+)"$', bundled_profiles()[name].read_text(encoding="utf-8"), re.M)
        if original:
            text = re.sub(rf'^{role} = "\w+"$', f'{role} = "{original.group(1)}"', text, count=1, flags=re.M)
    path = _DIR / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)
