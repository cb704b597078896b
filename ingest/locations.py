"""The project's own data folders (defaults; warehouse.paths lets the environment move them)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_DIR = PROJECT_ROOT / "data" / "snapshot"
CURATED_DIR = PROJECT_ROOT / "data" / "curated"
