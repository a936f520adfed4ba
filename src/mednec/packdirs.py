"""Where packs are found: the packs shipped in the package, plus any folders named by the
``MEDNEC_PACKS_DIR`` setting (an environment variable; several folders separated by
``os.pathsep``) or the ``mednec --packs-dir`` option, which sets it for the process.

A folder named there may hold packs (each a sub-folder with a ``pack.yaml``) or be one pack
itself. Code that is handed folders explicitly (``Runtime.load(packs_dir)``, tests) loads
exactly those and not the shipped ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from mednec.errors import ConfigError
from mednec.settings import current

__all__ = ["ENV", "PacksDir", "configured_dirs", "pack_folders", "shipped_packs_dir"]

ENV = "MEDNEC_PACKS_DIR"

PacksDir = Path | Sequence[Path] | None


def shipped_packs_dir() -> Path:
    """The folder of the packs shipped inside the package."""
    return Path(str(resources.files("mednec").joinpath("packs")))


def configured_dirs() -> list[Path]:
    """The shipped packs folder followed by every folder ``MEDNEC_PACKS_DIR`` names."""
    return [shipped_packs_dir(), *current().packs_dirs]


def pack_folders(packs_dir: PacksDir = None) -> list[Path]:
    """Every pack folder (a folder with a ``pack.yaml``) under ``packs_dir`` (one folder or several;
    default: :func:`configured_dirs`), each folder's packs in name order, no folder twice."""
    roots = configured_dirs() if packs_dir is None else [packs_dir] if isinstance(packs_dir, Path) else list(packs_dir)
    out: list[Path] = []
    seen: set[Path] = set()
    for root in roots:
        if (root / "pack.yaml").is_file():
            found = [root]
        elif root.is_dir():
            found = sorted(p for p in root.iterdir() if (p / "pack.yaml").is_file())
        else:
            raise ConfigError("no such packs folder", field=str(root))
        for folder in found:
            key = folder.resolve()
            if key not in seen:
                seen.add(key)
                out.append(folder)
    return out
