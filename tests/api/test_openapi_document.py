"""The OpenAPI document describes what the API answers: one name per shape, every status.

Two schemas with one name collapse into one component in the document (``ChildOut`` of
cases and of care did), so clients and schemathesis saw the wrong shape for one of them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from qamqor.api import api


def _models() -> list[Any]:
    found = []
    for _prefix, router in api._routers:
        for view in router.path_operations.values():
            for operation in view.operations:
                responses = [m for m in (operation.response_models or {}).values() if m]
                found.extend([*responses, *operation.models])
    return found


def test_every_schema_name_stands_for_one_shape() -> None:
    shapes: dict[str, set[str]] = defaultdict(set)
    for model in _models():
        document = model.model_json_schema(ref_template="#/$defs/{model}")
        for name, shape in document.get("$defs", {}).items():
            shapes[name].add(json.dumps(shape, sort_keys=True))
    assert len(shapes) > 50
    assert {name: len(s) for name, s in shapes.items() if len(s) > 1} == {}


def test_the_two_child_shapes_have_their_own_names() -> None:
    schemas = api.get_openapi_schema()["components"]["schemas"]
    assert "school" in schemas["CaseChildOut"]["properties"]
    assert "region" in schemas["ChildOut"]["properties"]  # the care app's child
    assert "region" not in schemas["CaseChildOut"]["properties"]


def test_every_operation_declares_the_errors_every_operation_can_answer() -> None:
    document = api.get_openapi_schema()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {400, 413, 503} <= codes, (method, path)
            if operation.get("security"):
                assert 401 in codes, (method, path)
            elif method != "get":
                assert 429 in codes, (method, path)  # every public write is rate limited
            if operation.get("parameters") or "requestBody" in operation:
                assert 422 in codes, (method, path)
            error = operation["responses"][413]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/ErrorOut"}
    assert document["components"]["schemas"]["ErrorOut"]["required"] == ["detail", "errors"]


def test_a_public_report_declares_the_idempotency_conflict() -> None:
    responses = api.get_openapi_schema()["paths"]["/api/v1/reports"]["post"]["responses"]
    assert {200, 201, 409, 429} <= set(responses)


def test_the_served_document_has_no_key_twice() -> None:
    """A status written as the string "200" beside ninja's 200 became one key twice in the
    served JSON, which Swagger UI refuses as a whole ("duplicated mapping key")."""

    def refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _value in pairs]
        assert len(keys) == len(set(keys)), f"a key twice among {keys}"
        return dict(pairs)

    served = json.dumps(api.get_openapi_schema())
    document = json.loads(served, object_pairs_hook=refuse_duplicates)
    assert "/api/v1/exports/{name}" in document["paths"]
