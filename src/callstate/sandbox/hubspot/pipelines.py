"""Deal pipelines and their stages (collection `pipelines:<type>`), and the deal rules they make.

Every portal starts with HubSpot's default deal pipeline: id `default`, "Sales Pipeline", seven
stages with `metadata.probability` and `metadata.isClosed`; default pipelines have `createdAt`
0 (crm-pipelines-v3.json, `Pipeline.createdAt`). It is seeded at creation and after a reset.

Rules (crm-pipelines-v3.json descriptions; research/crm.md §1.6):
- a pipeline's label is unique among the type's pipelines, a stage's label within its pipeline;
  stage ids are unique in the portal (`dealstage` alone names a stage);
- a deal stage needs `metadata.probability` between 0.0 and 1.0 in steps of 0.1;
- a deal's `dealstage` must be a stage of its `pipeline`; a deal written without a pipeline goes
  to `default`. A violation is HubSpot's 400 `Property values were not valid` (INVALID_OPTION).
Only deals have pipelines here: tickets are not emulated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from callstate.sandbox.hubspot.builtins import PIPELINE_MANAGED
from callstate.sandbox.hubspot.errors import invalid_properties, not_found, validation
from callstate.sandbox.hubspot.schema import DEALS, ObjectType
from callstate.sandbox.hubspot.timestamps import now_iso
from callstate.sandbox.store import Doc, Tx

DEFAULT_PIPELINE_ID = "default"
FIRST_PIPELINE_ID = 30_001
FIRST_STAGE_ID = 40_001
PIPELINE_TYPES: tuple[ObjectType, ...] = (DEALS,)
_WIRE = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)

# (id, label, probability, closed): HubSpot's default deal pipeline as every portal has it.
_DEFAULT_STAGES = (
    ("appointmentscheduled", "Appointment Scheduled", "0.2", "false"),
    ("qualifiedtobuy", "Qualified To Buy", "0.4", "false"),
    ("presentationscheduled", "Presentation Scheduled", "0.6", "false"),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", "false"),
    ("contractsent", "Contract Sent", "0.9", "false"),
    ("closedwon", "Closed Won", "1.0", "true"),
    ("closedlost", "Closed Lost", "0.0", "true"),
)


class StageInput(BaseModel):
    """`PipelineStageInput`; metadata values are strings on the wire (numbers are accepted)."""

    model_config = _WIRE
    label: str = Field(min_length=1)
    display_order: int
    metadata: dict[str, str]
    stage_id: str | None = None

    @field_validator("metadata", mode="before")
    @classmethod
    def _as_text(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in value.items()}
        return value


class PipelineInput(BaseModel):
    model_config = _WIRE
    label: str = Field(min_length=1)
    display_order: int
    stages: list[StageInput]
    pipeline_id: str | None = None


def _collection(object_type: ObjectType) -> str:
    return f"pipelines:{object_type.name}"


def _ordered(docs: Sequence[Doc]) -> list[Doc]:
    # "If two ... have a matching displayOrder, they will be sorted alphabetically by label."
    return sorted(docs, key=lambda d: (d["displayOrder"], d["label"]))


def seed(tx: Tx) -> None:
    if tx.get(_collection(DEALS), DEFAULT_PIPELINE_ID) is not None:
        return
    epoch = now_iso(0)
    stages = [
        _stage(stage_id, label, order, {"isClosed": closed, "probability": p}, epoch)
        for order, (stage_id, label, p, closed) in enumerate(_DEFAULT_STAGES)
    ]
    tx.put(
        _collection(DEALS),
        DEFAULT_PIPELINE_ID,
        _pipeline(DEFAULT_PIPELINE_ID, "Sales Pipeline", 0, stages, epoch),
    )


def listing(tx: Tx, object_type: ObjectType) -> list[Doc]:
    return _ordered([doc for _, doc in tx.scan(_collection(object_type))])


def get(tx: Tx, object_type: ObjectType, pipeline_id: str) -> Doc:
    pipeline = tx.get(_collection(object_type), pipeline_id)
    if pipeline is None:
        # crm-pipelines-v3.json: an unknown or archived pipeline id "will fail with a 404".
        raise not_found(f"Unable to find pipeline {pipeline_id} for object type {object_type.name}")
    return pipeline


def create(tx: Tx, object_type: ObjectType, spec: PipelineInput, now: float) -> Doc:
    existing = listing(tx, object_type)
    if any(p["label"] == spec.label for p in existing):
        raise validation(f"A pipeline with label '{spec.label}' already exists")
    if spec.pipeline_id is not None and tx.get(_collection(object_type), spec.pipeline_id):
        raise validation(f"A pipeline with id '{spec.pipeline_id}' already exists")
    if not spec.stages:
        raise validation("A pipeline needs at least one stage")
    labels = [s.label for s in spec.stages]
    if len(set(labels)) != len(labels):
        raise validation(f"Stage labels must be unique within a pipeline: {labels}")
    given = [s.stage_id for s in spec.stages if s.stage_id is not None]
    if len(set(given)) != len(given):
        raise validation(f"Stage ids must be unique: {given}")
    stamp = now_iso(now)
    stages = [_new_stage(tx, object_type, s, stamp) for s in spec.stages]
    pipeline_id = spec.pipeline_id or str(tx.next_value("pipeline_id", start=FIRST_PIPELINE_ID))
    pipeline = _pipeline(pipeline_id, spec.label, spec.display_order, stages, stamp)
    tx.put(_collection(object_type), pipeline_id, pipeline)
    return pipeline


def add_stage(
    tx: Tx, object_type: ObjectType, pipeline_id: str, spec: StageInput, now: float
) -> Doc:
    pipeline = get(tx, object_type, pipeline_id)
    if any(s["label"] == spec.label for s in pipeline["stages"]):
        raise validation(f"Pipeline {pipeline_id} already has a stage labelled '{spec.label}'")
    stamp = now_iso(now)
    stage = _new_stage(tx, object_type, spec, stamp)
    pipeline["stages"] = _ordered([*pipeline["stages"], stage])
    pipeline["updatedAt"] = stamp
    tx.put(_collection(object_type), pipeline_id, pipeline)
    return stage


def place_deal(
    tx: Tx, current: Mapping[str, str] | None, values: Mapping[str, str | None]
) -> dict[str, str | None]:
    """Check a deal write's pipeline and stage; `current` is None for a new deal."""
    out = dict(values)
    if current is not None and "pipeline" not in values and "dealstage" not in values:
        return out
    before = current or {}
    pipeline_id = values["pipeline"] if "pipeline" in values else before.get("pipeline")
    if not pipeline_id:
        pipeline_id = out["pipeline"] = DEFAULT_PIPELINE_ID
    pipeline = tx.get(_collection(DEALS), pipeline_id)
    if pipeline is None:
        known = [p["id"] for p in listing(tx, DEALS)]
        raise invalid_properties(
            [
                (
                    "pipeline",
                    "INVALID_OPTION",
                    f"{pipeline_id} was not one of the allowed options: {known}",
                )
            ]
        )
    stage = values["dealstage"] if "dealstage" in values else before.get("dealstage")
    stage_ids = [s["id"] for s in pipeline["stages"]]
    if stage is not None and stage not in stage_ids:
        raise invalid_properties(
            [
                (
                    "dealstage",
                    "INVALID_OPTION",
                    f"{stage} is not a valid stage of pipeline {pipeline_id}; "
                    f"allowed options: {stage_ids}",
                )
            ]
        )
    return out


def with_live_options(tx: Tx, object_type: ObjectType, definition: Doc) -> Doc:
    """`pipeline`/`dealstage` definitions list the portal's pipelines/stages as options."""
    if object_type is not DEALS or definition["name"] not in PIPELINE_MANAGED:
        return definition
    pipelines = listing(tx, DEALS)
    if definition["name"] == "pipeline":
        rows = [(p["id"], p["label"], p["displayOrder"]) for p in pipelines]
    else:
        rows = [(s["id"], s["label"], s["displayOrder"]) for p in pipelines for s in p["stages"]]
    options = [
        {"label": label, "value": value, "displayOrder": order, "hidden": False}
        for value, label, order in rows
    ]
    return {**definition, "options": options}


def _new_stage(tx: Tx, object_type: ObjectType, spec: StageInput, stamp: str) -> Doc:
    metadata = dict(spec.metadata)
    if object_type is DEALS:
        metadata["probability"] = _probability(spec.label, metadata.get("probability"))
        metadata.setdefault("isClosed", "false")
        if metadata["isClosed"] not in ("true", "false"):
            raise validation(f"Stage '{spec.label}': metadata.isClosed must be true or false")
    taken = {s["id"] for p in listing(tx, object_type) for s in p["stages"]}
    stage_id = spec.stage_id or str(tx.next_value("stage_id", start=FIRST_STAGE_ID))
    if stage_id in taken:
        raise validation(f"A stage with id '{stage_id}' already exists")
    return _stage(stage_id, spec.label, spec.display_order, metadata, stamp)


def _probability(label: str, raw: str | None) -> str:
    # "For deals pipelines, the probability field is required ... between 0.0 and 1.0 in
    # increments of 0.1" (PipelineStageInput.metadata).
    try:
        value = float(raw) if raw is not None else None
    except ValueError:
        value = None
    if value is None or not 0.0 <= value <= 1.0 or abs(value * 10 - round(value * 10)) > 1e-9:
        raise validation(
            f"Stage '{label}': metadata.probability is required for deal stages, "
            f"0.0 to 1.0 in steps of 0.1 (got {raw!r})"
        )
    return f"{round(value, 1):.1f}"


def _stage(stage_id: str, label: str, order: int, metadata: dict[str, str], stamp: str) -> Doc:
    return {
        "id": stage_id,
        "label": label,
        "displayOrder": order,
        "metadata": metadata,
        "createdAt": stamp,
        "updatedAt": stamp,
        "archived": False,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


def _pipeline(
    pipeline_id: str, label: str, order: int, stages: list[dict[str, Any]], stamp: str
) -> Doc:
    return {
        "id": pipeline_id,
        "label": label,
        "displayOrder": order,
        "stages": _ordered(stages),
        "createdAt": stamp,
        "updatedAt": stamp,
        "archived": False,
    }
