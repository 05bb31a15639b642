"""geocheck: compliance checks for 特色小镇 (featured town) planning boundaries.

The library API is ``geocheck.check(path, options) -> Report`` (options: a CheckOptions or the
same values as keyword arguments); the ``geocheck`` command is a thin layer over it.
"""

__version__ = "0.1.0"  # the one place: pyproject.toml reads it, `geocheck capabilities` reports it

from .api import check  # noqa: E402
from .errors import GeocheckError, InputError, ProfileError  # noqa: E402
from .findings import Report, Status, Verdict  # noqa: E402
from .options import CheckOptions  # noqa: E402
from .profile import load_profile  # noqa: E402

__all__ = ["check", "CheckOptions", "Report", "Status", "Verdict", "GeocheckError", "InputError", "ProfileError",
           "load_profile", "__version__"]
