"""What belongs to the warehouse alone: the serving file, its Parquet folder (the link and every
version behind it), the build home and the local lake (its catalog and data folder). A user's export, `sql --output` or report written there
would change what every reader of the served build reads, so such a target is refused."""

from __future__ import annotations

import os
from pathlib import Path

from warehouse import parquet_export
from warehouse.paths import Paths


def _real(path: Path) -> Path:
    """path with every link resolved, also when it does not exist yet (its nearest existing parent's)."""
    return Path(os.path.realpath(path))


def refusal(paths: Paths, target: Path) -> str | None:
    """Why `target` (a file or folder to write) may not be written, or None when it may."""
    real = _real(target)
    serving = _real(paths.serving)
    if real == serving or real.name.startswith(f".{serving.name}.") and real.parent == serving.parent:
        return f"{target} is the serving file (or its temporary copy): every reader opens it"
    owned = {
        "the served Parquet folder": [parquet_export.parquet_link(paths.serving), parquet_export.versions_dir(paths.serving)],
        "the build home": [paths.home],
        "the lake": _lake_paths(paths),
    }
    for what, roots in owned.items():
        for root in roots:
            if real == _real(root) or real.is_relative_to(_real(root)) or Path(os.path.abspath(target)).is_relative_to(
                    Path(os.path.abspath(root))):
                return f"{target} is inside {what} ({root}), which only publishing writes; choose a folder of your own"
    return None


def _lake_paths(paths: Paths) -> list[Path]:
    """The local lake's catalog file and data folder (none for a lake on Postgres and S3, or off)."""
    from warehouse.lake import config

    try:
        lake = config.from_env(paths.serving)
    except config.LakeConfigError:
        return []
    return lake.local_paths() if lake is not None else []
