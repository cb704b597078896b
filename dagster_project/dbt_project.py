"""The dbt project as dagster-dbt sees it, and its manifest kept current.

dagster-dbt loads the dbt assets from `dbt/target/manifest.json`. Under `dg dev` it re-parses the
project itself (`prepare_if_dev`); `tungsten refresh`, `./bin/test` and `./bin/dagster-dev`
call `prepare()` first, which runs dagster-dbt's own preparation (`dbt parse`) only when a file of
the dbt project changed since the manifest was made (a stamp beside it records the files' hash).
`python -m dagster_project.dbt_project` does the same by hand, e.g. before `dagster job execute`."""

from __future__ import annotations

from warehouse.dbt_build import MANIFEST_PATH, fingerprint
from warehouse.dbt_build import MANIFEST_STAMP as STAMP_PATH
from warehouse.paths import DBT_PROJECT_DIR

TARGET_DIR = MANIFEST_PATH.parent


def dbt_project():
    """dagster-dbt's DbtProject of dbt/ (imported lazily: dagster-dbt imports dbt-core)."""
    from dagster_dbt import DbtProject

    return DbtProject(project_dir=DBT_PROJECT_DIR, target_path=TARGET_DIR)


def manifest_is_current() -> bool:
    """True when manifest.json was made from the dbt project's files as they are now."""
    return MANIFEST_PATH.exists() and STAMP_PATH.exists() and STAMP_PATH.read_text() == fingerprint()


def prepare() -> bool:
    """Make the manifest current when the dbt project changed (`dbt parse`, run through
    dagster-dbt's DbtCliResource as its own project preparation runs it, with this venv's dbt);
    True when it had to."""
    if manifest_is_current():
        return False
    from dagster_dbt import DbtCliResource

    from warehouse.dbt_build import dbt_executable

    fp = fingerprint()
    project = dbt_project()
    DbtCliResource(project_dir=project, profiles_dir=str(project.project_dir), dbt_executable=dbt_executable()) \
        .cli(["parse", "--quiet"], target_path=project.target_path).wait()
    STAMP_PATH.write_text(fp)
    return True


if __name__ == "__main__":
    print("dbt manifest " + ("re-made" if prepare() else "already current") + f": {MANIFEST_PATH}")
