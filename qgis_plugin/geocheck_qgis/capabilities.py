"""What the installed geocheck supports (`geocheck capabilities --format json`): its profiles,
reference kinds, report formats and languages, which the dialogs offer. Pure Python: no qgis import.

Asked once per executable while the plugin is loaded, through the runner that runs checks. The
answer is kept, a failure too (a geocheck that hangs is not waited for again at every dialog):
after repairing geocheck, reload the plugin or restart QGIS; a new executable path is asked anew.
"""

from __future__ import annotations

import json
import time

from . import runner

TIMEOUT_S = 60  # a first start after installing can be slow (byte-compiling); a hung one is not waited for
EXPECTED_TYPE = "geocheck_capabilities"

_CACHE: dict[str, dict | runner.RunError] = {}


def load(executable: str) -> dict:
    """The capabilities of this geocheck executable; RunError with one line saying why not."""
    if executable not in _CACHE:
        try:
            _CACHE[executable] = _ask(executable)
        except runner.RunError as exc:
            _CACHE[executable] = exc
    answer = _CACHE[executable]
    if isinstance(answer, runner.RunError):
        raise answer
    return answer


def _ask(executable: str) -> dict:
    deadline = time.monotonic() + TIMEOUT_S
    result = runner.run([executable, "capabilities", "--format", "json"], on_line=lambda _stream, _line: None,
                        is_canceled=lambda: time.monotonic() > deadline)
    if result.canceled:
        raise runner.RunError(f"{executable} did not answer `geocheck capabilities` within {TIMEOUT_S} s")
    if result.returncode != 0:
        raise runner.RunError(f"{executable} cannot say what it supports (`geocheck capabilities`: "
                              f"{runner.error_message(result.stderr, result.returncode)}); "
                              "it is not geocheck, or a geocheck older than this plugin")
    try:
        caps = json.loads("\n".join(result.stdout))
    except ValueError:
        caps = None
    if not isinstance(caps, dict) or caps.get("type") != EXPECTED_TYPE:
        raise runner.RunError(f"{executable}: `geocheck capabilities --format json` did not answer with "
                              "geocheck's capabilities")
    return caps


def clear() -> None:
    """Forget what was asked (the plugin is unloaded)."""
    _CACHE.clear()
