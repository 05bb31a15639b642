"""Run the geocheck executable as a child process. Pure Python: no qgis import.

The algorithms pass callbacks (one per output line, and "was cancel pressed?"); this module
knows nothing about Processing, so it is unit-tested with a stand-in executable.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

# `[3/50] name: verdict`, maybe followed by a reason that has colons of its own.
PROGRESS = re.compile(r"^\[(\d+)/(\d+)\]\s+(.*?):\s+(\w+)")

# QGIS (notably the Windows/OSGeo4W build) exports these for its own Python, GDAL and PROJ.
# geocheck brings its own (pip wheels); inheriting QGIS's would mix versions (proj.db layout
# errors, a foreign stdlib), so the child starts without them.
_QGIS_ENV = ("PYTHONHOME", "PYTHONPATH", "PROJ_LIB", "PROJ_DATA", "GDAL_DATA", "GDAL_DRIVER_PATH")


class RunError(Exception):
    """geocheck could not start, could not check (exit 2), or was cancelled."""


@dataclass
class Result:
    returncode: int
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    canceled: bool = False


def find_executable(configured: str | None) -> str:
    """The configured path if set, else `geocheck` on PATH."""
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured
        raise RunError(f"geocheck executable not found: {configured} "
                       "(Processing ▸ Options ▸ Providers ▸ geocheck)")
    found = shutil.which("geocheck")
    if not found:
        raise RunError("geocheck executable not found on PATH; install geocheck or set its path "
                       "in Processing ▸ Options ▸ Providers ▸ geocheck")
    return found


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _QGIS_ENV}
    env["PYTHONIOENCODING"] = "utf-8"  # we decode as UTF-8 whatever the console code page is
    env["PYTHONUTF8"] = "1"
    return env


def explicit_error(stderr: list[str]) -> str | None:
    """geocheck's one-line error (`geocheck: error: …`), else click's `Error: …`, else None."""
    lines = [line.strip() for line in stderr if line.strip()]
    for prefix in ("geocheck: error: ", "Error: "):
        for line in reversed(lines):
            if line.startswith(prefix):
                return line[len(prefix):]
    return None


def error_message(stderr: list[str], returncode: int) -> str:
    """explicit_error(), else the last line of stderr."""
    lines = [line.strip() for line in stderr if line.strip()]
    message = explicit_error(lines)
    if message:
        return message
    if lines:
        return lines[-1]
    return f"geocheck exited with code {returncode} and no message"


def failed_submissions(stdout: list[str]) -> list[str]:
    """`geocheck batch`'s `[k/n] name: error (reason)` lines as "name: reason".

    These are the only account of a submission that could not be checked: batch writes them
    to stdout and exits 2 with nothing on stderr.
    """
    failed = []
    for line in stdout:
        m = PROGRESS.match(line)
        if m and m.group(4) == "error":
            reason = line[m.end():].strip().removeprefix("[unchanged]").strip()
            if reason.startswith("(") and reason.endswith(")"):
                reason = reason[1:-1]
            failed.append(f"{m.group(3)}: {reason}" if reason else m.group(3))
    return failed


def parse_progress(line: str) -> tuple[int, int, str, str] | None:
    """`[3/50] name: non_compliant` → (3, 50, "name", "non_compliant")."""
    m = PROGRESS.match(line)
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)


def _pump(stream, name: str, lines: queue.Queue) -> None:
    for line in stream:
        lines.put((name, line.rstrip("\r\n")))
    lines.put((name, None))


def run(argv: list[str], *, on_line: Callable[[str, str], None],
        is_canceled: Callable[[], bool] = lambda: False, cwd: str | None = None,
        poll: float = 0.1) -> Result:
    """Run argv, calling on_line("stdout"|"stderr", line) as lines arrive (in the caller's thread).

    Cancelling stops the child and its workers (see _stop) and returns canceled=True.
    Raises RunError if the executable cannot be started.
    """
    if sys.platform == "win32":  # cancelling kills the tree with taskkill (see _stop)
        group = {"creationflags": subprocess.CREATE_NO_WINDOW | subprocess.CREATE_NEW_PROCESS_GROUP}
    else:  # own process group: `geocheck batch -j N` workers are stopped with it
        group = {"start_new_session": True}
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, cwd=cwd, env=child_env(),
                                encoding="utf-8", errors="replace", **group)
    except OSError as exc:
        raise RunError(f"cannot start {argv[0]}: {exc.strerror or exc}") from None

    # One reader thread per pipe, so a full stderr pipe can never block stdout (or vice versa).
    lines: queue.Queue = queue.Queue()
    readers = [threading.Thread(target=_pump, args=(s, n, lines), daemon=True)
               for s, n in ((proc.stdout, "stdout"), (proc.stderr, "stderr"))]
    for reader in readers:
        reader.start()

    result = Result(returncode=-1)
    open_streams = 2
    while open_streams:
        if not result.canceled and is_canceled():
            result.canceled = True
            _stop(proc)
            # A stray process outside the group (one that left it, or a grandchild on Windows)
            # can hold a pipe open for as long as it lives: give the readers 2 s, not more.
            deadline = time.monotonic() + 2
            for reader in readers:
                reader.join(max(0.0, deadline - time.monotonic()))
            if any(r.is_alive() for r in readers):
                break
        try:
            name, line = lines.get(timeout=poll)
        except queue.Empty:
            continue
        if line is None:
            open_streams -= 1
            continue
        (result.stdout if name == "stdout" else result.stderr).append(line)
        on_line(name, line)
    result.returncode = proc.wait()
    for stream, reader in zip((proc.stdout, proc.stderr), readers):
        # Closing a pipe that a reader is still blocked on would wait for that read, i.e. for
        # the stray process to end; the reader (a daemon thread) drops it at EOF instead.
        if not reader.is_alive():
            try:
                stream.close()
            except OSError:
                pass
    return result


def _stop(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """Interrupt like Ctrl-C (geocheck then stops cleanly, keeping finished reports), then kill.

    On Windows there is no interrupt to send: CTRL_BREAK_EVENT cannot reach a CREATE_NO_WINDOW
    child of QGIS's GUI process (no console) and geocheck handles no SIGBREAK, so the process
    tree is killed at once.
    """
    if sys.platform == "win32":
        subprocess.run(["taskkill", "/T", "/F", "/PID", str(proc.pid)], capture_output=True,
                       creationflags=subprocess.CREATE_NO_WINDOW)
        proc.wait()
        return
    _signal_group(proc, signal.SIGINT)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    _signal_group(proc, signal.SIGKILL)  # also ends workers that outlived their parent
    proc.wait()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
