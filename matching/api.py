"""The public API the web app calls (re-exported from matching/__init__.py)."""
from __future__ import annotations

from .groups import form_groups
from .model import RoundOptions
from .pipeline import pair_peers, run_round, suggest

__all__ = ["suggest", "run_round", "pair_peers", "form_groups", "RoundOptions"]
