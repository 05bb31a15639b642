"""One hierarchy for everything geocheck refuses to do.

The library raises these; only the CLI turns them into a one-line message and exit code 2.
"""

from os import PathLike


class GeocheckError(Exception):
    """Base class: a problem the user can fix (bad input, bad profile, bad option)."""

    def __init__(self, message: str, path: str | PathLike | None = None):
        self.path = str(path) if path is not None else None
        self.problem = message
        super().__init__(f"{self.path}: {message}" if self.path else message)


def first_line(exc: BaseException | str) -> str:
    """The first line of a library's exception (or warning) text: GDAL and PROJ messages can run long."""
    text = str(exc).strip().splitlines()
    if not text:
        return type(exc).__name__
    # GDAL's advice to prefix a driver name helps nobody reading a geocheck report.
    first = text[0]
    if "; It might help to specify the correct driver" in first:
        first = first.split("; It might help to specify the correct driver")[0].rstrip(".; ")
    return first


class InputError(GeocheckError):
    """A submission or reference source cannot be read or is not usable."""


class CRSError(InputError):
    """A layer's coordinate reference system is missing, unknown or implausible."""


class RoleError(InputError):
    """Layers cannot be assigned to roles (missing or ambiguous)."""


class ProfileError(GeocheckError):
    """A rules profile cannot be found or does not validate."""


class ConfigError(GeocheckError):
    """geocheck.toml (or [tool.geocheck]) is invalid."""
