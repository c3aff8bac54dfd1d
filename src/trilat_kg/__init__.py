"""trilat-kg: a linked-data knowledge graph of U.S.-Japan-ROK trilateral security cooperation."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("trilat-kg")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
