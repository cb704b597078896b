"""Where the lake is, from the environment: the default beside the serving file, team settings,
refusals of credentials inside the settings, TUNGSTEN_LAKE_KEEP, and redaction of secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse.lake import config
from warehouse.lake.connect import s3_secret_sql


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for k in ("TUNGSTEN_LAKE_CATALOG", "TUNGSTEN_LAKE_DATA", "TUNGSTEN_LAKE_KEEP", *config.SECRET_VARIABLES,
              "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(k, raising=False)


def test_default_is_a_local_sqlite_lake_beside_the_serving_file(tmp_path):
    cfg = config.from_env(tmp_path / "wh" / "tungsten.duckdb")
    assert cfg.kind == "sqlite" and not cfg.on_s3 and cfg.keep is None
    assert cfg.catalog == f"sqlite:{tmp_path / 'wh' / 'tungsten.lake' / 'catalog.sqlite'}"
    assert cfg.data == f"{tmp_path / 'wh' / 'tungsten.lake' / 'data'}/"


def test_off_means_no_lake(monkeypatch, tmp_path):
    monkeypatch.setenv("TUNGSTEN_LAKE_CATALOG", "off")
    assert config.from_env(tmp_path / "t.duckdb") is None


def test_team_lake(monkeypatch, tmp_path):
    monkeypatch.setenv("TUNGSTEN_LAKE_CATALOG", "postgres:host=db port=5432 dbname=lake user=me")
    monkeypatch.setenv("TUNGSTEN_LAKE_DATA", "s3://bucket/lake/")
    monkeypatch.setenv("TUNGSTEN_LAKE_KEEP", "30 builds")
    cfg = config.from_env(tmp_path / "t.duckdb")
    assert (cfg.kind, cfg.on_s3, cfg.keep) == ("postgres", True, config.Keep(builds=30))
    assert cfg.local_paths() == []


@pytest.mark.parametrize(("catalog", "data", "told"), [
    ("postgres:host=db password=hunter22 dbname=x", "s3://b/", "PGPASSWORD"),
    ("postgres:PASSWORD = hunter22 host=db", "s3://b/", "PGPASSWORD"),
    ("sqlite:/x/c.sqlite", "s3://AKIA:hunter22@bucket/", "AWS_SECRET_ACCESS_KEY"),
])
def test_credentials_in_the_settings_are_refused_without_echoing_them(monkeypatch, tmp_path, catalog, data, told):
    monkeypatch.setenv("TUNGSTEN_LAKE_CATALOG", catalog)
    monkeypatch.setenv("TUNGSTEN_LAKE_DATA", data)
    with pytest.raises(config.LakeConfigError, match=told) as info:
        config.from_env(tmp_path / "t.duckdb")
    assert "hunter22" not in str(info.value)


def test_a_postgres_catalog_needs_a_data_path(monkeypatch, tmp_path):
    monkeypatch.setenv("TUNGSTEN_LAKE_CATALOG", "postgres:host=db dbname=x")
    with pytest.raises(config.LakeConfigError, match="TUNGSTEN_LAKE_DATA"):
        config.from_env(tmp_path / "t.duckdb")


@pytest.mark.parametrize(("text", "keep"), [("all", None), ("", None), ("7", config.Keep(builds=7)),
                                            ("1 build", config.Keep(builds=1)), ("90 days", config.Keep(days=90))])
def test_keep(text, keep):
    assert config.parse_keep(text) == keep


@pytest.mark.parametrize("text", ["0", "forever", "-3 days", "2 weeks"])
def test_keep_refuses_what_it_cannot_read(text):
    with pytest.raises(config.LakeConfigError, match="TUNGSTEN_LAKE_KEEP"):
        config.parse_keep(text)


def test_redact_removes_every_secret_of_the_environment(monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "pg-secret-1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3-secret-2")
    assert config.redact("failed: pg-secret-1 and s3-secret-2") == "failed: *** and ***"


def test_the_s3_secret_takes_its_values_from_the_environment(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "it's-secret")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000")
    sql = s3_secret_sql("s3://b/lake/")
    assert "SECRET 'it''s-secret'" in sql and "ENDPOINT '127.0.0.1:9000'" in sql and "USE_SSL false" in sql
    assert "SCOPE 's3://b/lake/'" in sql and "URL_STYLE 'path'" in sql


def test_a_missing_local_lake_is_a_plain_error(tmp_path):
    from warehouse.lake.connect import LakeUnreachable, connect

    cfg = config.from_env(tmp_path / "t.duckdb")
    with pytest.raises(LakeUnreachable, match="run `tungsten refresh` first"):
        connect(cfg, read_only=True)
    assert not Path(cfg.data).exists()  # a reader creates nothing


def test_nothing_is_written_into_the_local_lake(tmp_path):
    from warehouse.paths import Paths
    from warehouse.served_area import refusal

    paths = Paths(tmp_path / "home", tmp_path / "wh" / "tungsten.duckdb", tmp_path / "snap")
    assert "the lake" in refusal(paths, tmp_path / "wh" / "tungsten.lake" / "data" / "marts" / "x.parquet")
    assert "the lake" in refusal(paths, tmp_path / "wh" / "tungsten.lake" / "catalog.sqlite")
    assert refusal(paths, tmp_path / "wh" / "mine.csv") is None
