"""The grader's shipped JSON Schemas, for the grader's tests (report, gradebook, Gradescope)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from referencing import Registry, Resource

from autograd_lr.checking.grading import schema


def validate(instance: Any, name: str) -> None:
    """Validate ``instance`` against ``schema/<name>.schema.json`` (with its references)."""
    registry: Registry = Registry().with_resources(
        (f"{other}.schema.json", Resource.from_contents(schema(other)))
        for other in ("report", "gradebook", "gradescope")
    )
    validator = jsonschema.Draft202012Validator(schema(name), registry=registry)
    validator.validate(json.loads(json.dumps(instance)))
