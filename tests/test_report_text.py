"""The terminal report: fitted to 80 columns on a real terminal (a pseudo-terminal whose window
size is set to 80 columns), failures first, `--quiet`, colour only on a TTY."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

from rich.cells import cell_len

from cli_tools import invoke

REPO = Path(__file__).resolve().parent.parent
SAMPLE = ["check", "sample_data/noncompliant_town", "--config", "sample_data/geocheck.toml"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run_on_terminal(args: list[str], columns: int = 80) -> tuple[int, str]:
    """`geocheck ARGS` with stdout on a pseudo-terminal `columns` wide, as a reviewer's shell runs it."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    exe = shutil.which("geocheck", path=str(Path(sys.executable).parent)) or "geocheck"
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "TERM")}
    env["TERM"] = "xterm-256color"
    proc = subprocess.Popen([exe, *args], stdout=slave, stderr=subprocess.PIPE, cwd=REPO, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    proc.wait(timeout=120)
    assert proc.stderr.read() == b""
    return proc.returncode, b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_report_fits_80_columns_on_a_terminal_failures_first_in_colour():
    code, out = run_on_terminal(SAMPLE, columns=80)
    assert code == 1
    assert "\x1b[" in out  # a terminal gets colour
    lines = ANSI.sub("", out).splitlines()
    too_wide = [line for line in lines if cell_len(line) > 80]
    assert too_wide == [], too_wide
    # a number is never cut from its unit or its digit groups at a line end
    text = "\n".join(lines)
    assert not re.search(r"\d\n\s*(m|m²|km²|亩|米|\d{3})\b", text)
    assert "110\u00a0m、县级 110\u00a0m" in text or "110\u00a0m" in text
    # the verdict on top and at the end; failures, then warnings, then one line of passes
    assert lines[1].startswith("结论 verdict: 不符合要求") and lines[-1] == lines[1]
    heads = [i for i, line in enumerate(lines) if re.match(r"^(不通过 Fail|警告 Warning|通过 Pass) \(\d+\)", line)]
    assert [lines[i].split(" (")[0] for i in heads] == ["不通过 Fail", "警告 Warning", "通过 Pass"]


def test_failed_checks_listed_with_measure_requirement_and_source(monkeypatch):
    monkeypatch.chdir(REPO)
    report = json.loads(invoke(*SAMPLE, "-f", "json").stdout)
    text = invoke(*SAMPLE, env={"COLUMNS": "80"}).stdout
    assert "\x1b[" not in text  # not a terminal: no colour
    assert max(cell_len(line) for line in text.splitlines()) <= 80
    fail_block = text.split("不通过 Fail (")[1].split("警告 Warning (")[0]
    failed = [c for c in report["checks"] if c["status"] == "fail"]
    assert text.split("不通过 Fail (")[1].startswith(f"{len(failed)})")
    for c in failed:
        assert f"{c['code']} {c['title_zh']}" in fail_block
    gc311 = fail_block.split("GC311")[1].split("GC401")[0]
    m2 = next(c for c in report["checks"] if c["code"] == "GC311")["measured"]["m2"]
    assert f"{round(m2):,}".replace(",", "\u202f") in gc311  # 40 000 m², grouped the report's way
    assert "要求 required:" in gc311 and "依据 source:" in gc311
    passed = [c["code"] for c in report["checks"] if c["status"] == "pass"]
    assert f"通过 Pass ({len(passed)}): {' '.join(passed)}" in text


def test_quiet_prints_one_line_with_verdict_and_counts(monkeypatch):
    monkeypatch.chdir(REPO)
    report = json.loads(invoke(*SAMPLE, "-f", "json").stdout)
    result = invoke(*SAMPLE, "--quiet", env={"COLUMNS": "80"})
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith("不符合要求 — non-compliant: ")
    counts = {s: sum(c["status"] == s for c in report["checks"]) for s in ("pass", "fail", "warn", "skip", "not_run")}
    for status, n in counts.items():
        assert re.search(rf"\b{status} {n}\b", line), (status, line)
    assert line.endswith("sample_data/noncompliant_town")


def test_quiet_on_a_terminal_is_one_line_too():
    code, out = run_on_terminal([*SAMPLE, "-q"], columns=80)
    assert code == 1 and len(ANSI.sub("", out).strip().splitlines()) == 1
