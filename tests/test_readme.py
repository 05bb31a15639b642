"""README's two set-up commands stay true to what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def code_lines():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```\n(.*?)\n```", section, flags=re.S)]


def test_readme_has_exactly_two_setup_commands():
    commands = code_lines()
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    assert "geocheck check sample_data/" in commands[0]


def test_readme_test_command_matches_ci():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    test_cmd = re.search(r"^TEST_CMD='(.*)'$", ci, flags=re.M).group(1)
    packages = re.search(r"^APT_PACKAGES=\((.*)\)$", ci, flags=re.M).group(1).split()
    readme_cmd = code_lines()[1]
    assert readme_cmd.endswith("&& " + test_cmd)
    for package in packages:
        assert re.search(rf"(^|\s){re.escape(package)}(\s|$)", readme_cmd), package
