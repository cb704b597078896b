"""The dbt models as Dagster asset specs, and a model's dbt result as its Dagster output, made from
manifest.json as dagster-dbt's default translator makes them (keys, dependencies, descriptions,
column schema, table names, code versions, output metadata), with each model in the group of its
layer.

Why not dagster-dbt itself: importing it imports dbt-core, 1.1 s of CPU in every process that
loads these definitions (the run's, each step's under the multiprocess executor, the UI's code
server), where dbt itself never runs (it runs in warehouse.worker, or in the step's thread).
tests/integration/test_dbt_specs.py holds these equal to dagster-dbt's."""

from __future__ import annotations

import datetime as dt
import hashlib
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetDep, AssetKey, AssetSpec, MetadataValue, Output, TableColumn, TableSchema

LAYERS = ("staging", "intermediate", "marts")
ASSET_TYPES = ("model", "seed", "snapshot")
UPSTREAM_TYPES = (*ASSET_TYPES, "source")
BUILT = frozenset({"success", "no-op", "reused", "warn"})  # node statuses that leave the table built


def node(manifest: Mapping[str, Any], unique_id: str) -> Mapping[str, Any]:
    return manifest["nodes"].get(unique_id) or manifest["sources"][unique_id]


def asset_key(props: Mapping[str, Any]) -> AssetKey:
    """A source: [source name, table]; a model: [its configured schema, its name]."""
    if props["resource_type"] == "source":
        return AssetKey([props["source_name"], props["name"]])
    schema = props.get("config", {}).get("schema")
    return AssetKey([schema, props["name"]] if schema is not None else [props["name"]])


def group_name(props: Mapping[str, Any]) -> str:
    """The layer: the model's first folder under models/ (staging, intermediate, marts)."""
    parts = Path(props.get("original_file_path", "")).parts
    layer = parts[1] if len(parts) > 2 and parts[0] == "models" else None
    return layer if layer in LAYERS else "dbt"


def description(props: Mapping[str, Any]) -> str:
    code = textwrap.indent(props.get("raw_sql") or props.get("raw_code", ""), "    ")
    text = props.get("description") or f"dbt {props['resource_type']} {props['name']}"
    return f"{text}\n\n#### Raw SQL:\n```sql\n{code}\n```"


def table_metadata(props: Mapping[str, Any], adapter: str | None) -> dict[str, Any]:
    """Materialization, column schema, table name and storage kind (none left empty)."""
    out: dict[str, Any] = {}
    if materialized := props.get("config", {}).get("materialized"):
        out["dagster-dbt/materialization_type"] = materialized
    if columns := props.get("columns", {}):
        out["dagster/column_schema"] = TableSchema(columns=[
            TableColumn(name=name, type=info.get("data_type") or "?", description=info.get("description"),
                        tags={tag: "" for tag in info.get("tags", [])})
            for name, info in columns.items()])
    parts = [props.get("database"), props.get("schema"), props.get("alias"),
             props.get("name") if props.get("resource_type") == "source" else None]
    if relation := ".".join(p for p in parts if p):
        out["dagster/table_name"] = relation
    if adapter:
        out["dagster/storage_kind"] = adapter
    return out


def _deps(manifest: Mapping[str, Any], props: Mapping[str, Any], adapter: str | None) -> list[AssetDep]:
    deps, seen = [], set()
    for parent_id in props.get("depends_on", {}).get("nodes", []):
        parent = node(manifest, parent_id)
        if parent["resource_type"] not in UPSTREAM_TYPES or asset_key(parent) in seen:
            continue
        seen.add(asset_key(parent))
        deps.append(AssetDep(asset_key(parent),
                             metadata=table_metadata(parent, adapter) if parent["resource_type"] == "source" else None))
    return deps


def asset_specs(manifest: Mapping[str, Any]) -> list[AssetSpec]:
    """One spec per model, seed and snapshot of the project (not ephemeral models)."""
    adapter = manifest.get("metadata", {}).get("adapter_type")
    project_id = manifest.get("metadata", {}).get("project_id")
    specs = []
    for unique_id, props in manifest["nodes"].items():
        if props["resource_type"] not in ASSET_TYPES or props.get("config", {}).get("materialized") == "ephemeral":
            continue
        code = props.get("raw_sql") or props.get("raw_code")
        metadata = {**table_metadata(props, adapter), "dagster_dbt/unique_id": unique_id,
                    **({"dagster_dbt/project_id": MetadataValue.text(project_id)} if project_id else {})}
        specs.append(AssetSpec(
            key=asset_key(props), deps=_deps(manifest, props, adapter), description=description(props),
            metadata=metadata, skippable=True, group_name=group_name(props),
            code_version=hashlib.sha1(code.encode()).hexdigest() if code else props.get("checksum", {}).get("checksum"),
            tags={tag: "" for tag in props.get("tags", [])}, kinds={"dbt", adapter or "dbt"}))
    return specs


def model_output(manifest: Mapping[str, Any], raw: Mapping[str, Any]) -> Output | None:
    """The Dagster output of a built model from dbt's result event (a dict of dbt's JSON log
    line), with its duration, unique id, invocation id and status; None for anything else."""
    info = raw["data"].get("node_info", {})
    props = manifest["nodes"].get(info.get("unique_id"))
    status = info.get("node_status")
    status = status if status not in ("", "None", None) else str(raw["data"].get("status", "")).lower()
    materialized = info.get("materialized") or props.get("config", {}).get("materialized") if props else None
    if props is None or props["resource_type"] not in ASSET_TYPES or materialized == "ephemeral" or status not in BUILT:
        return None
    started, finished = info.get("node_started_at"), info.get("node_finished_at")
    if started and finished:
        duration = (dt.datetime.fromisoformat(finished) - dt.datetime.fromisoformat(started)).total_seconds()
    else:
        duration = raw["data"].get("execution_time")
    return Output(value=None, output_name=asset_key(props).to_python_identifier(),
                  metadata={"Execution Duration": duration, "unique_id": info["unique_id"],
                            "invocation_id": raw["info"]["invocation_id"], "status": status})
