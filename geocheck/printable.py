"""Names from inputs made safe for a terminal line and a spreadsheet cell.

Layer, file and zip-entry names come from the submission, so they may carry escape sequences
(which a terminal obeys), newlines (which forge a second `geocheck:` line) or a leading `=`
(which a spreadsheet runs as a formula).

    >>> printable("红线\\x1b[2J\\ngeocheck: ok")
    '红线\\\\x1b[2J\\\\ngeocheck: ok'
    >>> csv_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
"""

from __future__ import annotations

import unicodedata

# Control characters, bidi overrides and other format characters, line/paragraph separators.
_HIDDEN = {"Cc", "Cf", "Zl", "Zp"}
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice, Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def printable(text: object) -> str:
    """`text` with every control or invisible format character shown as an escape (\\n, \\x1b, \\u202e)."""
    s = str(text)
    if s.isprintable():
        return s
    out = []
    for ch in s:
        if ch in _NAMED:
            out.append(_NAMED[ch])
        elif unicodedata.category(ch) in _HIDDEN:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return "".join(out)


def csv_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: strings that would start a formula get a leading '.
    Numbers are left alone (a negative number is a number, not a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
