"""Where the hub's templates and static files are: found from this package's own location, never the
current folder, so a source checkout and an installed wheel (`pip install .`) serve the same pages."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
#: hub/static travels inside the package in both layouts.
STATIC = PACKAGE / "static"


def _templates() -> Path:
    """The top-level templates/ folder stays beside hub/ in the checkout; the wheel installs it as
    hub/templates (pyproject.toml's package-dir). The installed place is tried first: beside an installed
    hub is site-packages, whose templates/ folder, if any, is not ours."""
    for candidate in (PACKAGE / "templates", PACKAGE.parent / "templates"):
        if (candidate / "base.html").is_file():
            return candidate
    raise FileNotFoundError(f"the hub's templates are neither in {PACKAGE} nor beside it; reinstall the hub")


TEMPLATES = _templates()
