"""The errors every API operation may answer, added to the OpenAPI schema: drf-spectacular documents
only the success of a view, and a schema that omits the errors lies to clients and to fuzzers."""

ERROR_BODY = {
    "application/json": {
        "schema": {
            "type": "object",
            "description": "`detail` says what is wrong; a 400 names each field with its problems.",
            "additionalProperties": True,
        }
    }
}
WITH_BODY = {"post", "put", "patch"}


def _error(description: str) -> dict:
    return {"description": description, "content": ERROR_BODY}


def document_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: each operation gets the errors it can answer."""
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            errors = {
                "401": _error("A token was sent but is not valid."),
                "403": _error("Not signed in, not allowed, or the CSRF check failed."),
                "429": _error("Too many requests: retry after the `Retry-After` seconds."),
            }
            if method in WITH_BODY:
                errors["400"] = _error("Bad input: each field named with its problems.")
                errors["413"] = _error("The request body is too large.")
                errors["415"] = _error("The body is not JSON or a form.")
            if "{" in path:
                errors["404"] = _error("No such object among the caller's own.")
            if any(
                parameter.get("name") == "cursor" for parameter in operation.get("parameters", [])
            ):
                errors["404"] = _error("The cursor is not one this list gave.")
            for status, response in errors.items():
                responses.setdefault(status, response)
    return result
