"""The grader's shipped JSON Schemas, for the grader's tests (report, gradebook, Gradescope)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from referencing import Registry, Resource

from autograd_lr.grading.grader import schema


def validate(instance: Any, name: str) -> None:
    """Validate ``instance`` against ``schema/<name>.schema.json`` (with its references)."""
    shipped = [schema(other) for other in ("report", "gradebook", "gradescope")]
    registry: Registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in shipped
    )
    validator = jsonschema.Draft202012Validator(schema(name), registry=registry)
    validator.validate(json.loads(json.dumps(instance)))
