"""The warehouse's locations as a Dagster resource, so a run's configuration (the UI's launchpad,
`tungsten refresh`, a test) says where the build, the serving file and the inputs are, and every
asset reads them from one place. The defaults come from the environment (warehouse.paths)."""

from __future__ import annotations

from dagster import ConfigurableResource

from warehouse.paths import Paths, current


class WarehouseResource(ConfigurableResource):
    """Where the warehouse keeps its files: the build home (build file, landing, reports), the
    serving file readers open, the embedded snapshot and the curated files the daily job loads."""

    home: str
    serving: str
    snapshot: str
    curated: str

    @classmethod
    def from_paths(cls, paths: Paths) -> WarehouseResource:
        return cls(home=str(paths.home), serving=str(paths.serving), snapshot=str(paths.snapshot),
                   curated=str(paths.curated))

    @classmethod
    def from_env(cls) -> WarehouseResource:
        """The locations TUNGSTEN_HOME, TUNGSTEN_SERVING_PATH, TUNGSTEN_SNAPSHOT_DIR and
        TUNGSTEN_CURATED_DIR name, else the project's defaults."""
        return cls.from_paths(current())

    def paths(self) -> Paths:
        """The locations as warehouse.paths.Paths, their folders made."""
        from pathlib import Path

        return Paths(Path(self.home), Path(self.serving), Path(self.snapshot), Path(self.curated)).ensure()

    def run_config(self) -> dict:
        """This resource as a run's `resources` configuration."""
        return {"config": {"home": self.home, "serving": self.serving, "snapshot": self.snapshot, "curated": self.curated}}
