"""Which files the wheel carries; everything else about the project is in pyproject.toml.

The top-level templates/ folder (with each folder inside it) ships inside the hub package as hub.templates,
where hub/paths.py finds it; in a checkout it stays beside hub/. This lives in setup.py, not pyproject.toml,
only because the package list is computed: pyproject.toml can map a folder to a package name but cannot
find the folders inside it, and a data folder missing from the list makes setuptools warn that it may be
dropped. tests/hub/test_wheel.py builds the wheel and serves the installed hub from another folder."""

from setuptools import find_namespace_packages, setup

CODE = find_namespace_packages(include=["hub", "hub.*", "events", "events.*", "matching", "matching.*"],
                               exclude=["*.__pycache__"])
TEMPLATES = ["hub.templates", *(f"hub.templates.{name}" for name in find_namespace_packages(where="templates"))]

setup(
    packages=CODE + TEMPLATES,
    package_dir={"hub.templates": "templates"},
    package_data={"": ["*.json", "*.mako", "*.txt", "*.html", "*.css", "*.js", "*.md"]},
)
