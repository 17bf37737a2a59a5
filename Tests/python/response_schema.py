"""Validation of daemon responses against Schemas/hypencoder.openrpc.json with `jsonschema`.

Every end-to-end test funnels each message it receives through `ResponseSchema.check`, so a
response that drifts from the published contract fails the test that received it. Success
replies are checked against the method's result schema (and the SuccessResponse envelope),
error replies against ErrorResponse (limit errors must carry LimitErrorData), and
notifications against ProgressNotification.
"""

import json
import pathlib

import jsonschema
import referencing
import referencing.jsonschema

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPOSITORY / "Schemas" / "hypencoder.openrpc.json"
_DOCUMENT_URI = "urn:hypencoder:openrpc"


class SchemaViolation(AssertionError):
    """A response the schema does not allow; the message lists every problem and its path."""


class ResponseSchema:
    def __init__(self, path=SCHEMA_PATH):
        self.document = json.loads(pathlib.Path(path).read_text())
        resource = referencing.Resource.from_contents(
            self.document, default_specification=referencing.jsonschema.DRAFT202012)
        self._registry = referencing.Registry().with_resource(_DOCUMENT_URI, resource)
        self._validators = {}
        self.method_names = []
        for position, method in enumerate(self.document["methods"]):
            self.method_names.append(method["name"])
            self._validators[("result", method["name"])] = self._validator(
                f"#/methods/{position}/result/schema")
        for name in ("SuccessResponse", "ErrorResponse", "ProgressNotification"):
            self._validators[("component", name)] = self._validator(f"#/components/schemas/{name}")

    def _validator(self, pointer):
        return jsonschema.Draft202012Validator({"$ref": _DOCUMENT_URI + pointer}, registry=self._registry)

    def _run(self, key, value, what):
        problems = [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                    for e in self._validators[key].iter_errors(value)]
        if problems:
            raise SchemaViolation(f"{what} does not match {SCHEMA_PATH.name}: {problems}\n{value!r:.2000}")

    def check(self, method, message):
        """Validates one message received after sending `method` (None when unknown, e.g.
        a reply to unparseable input, which can only be an error)."""
        if "method" in message and "id" not in message:
            if message["method"] != "$/progress":
                raise SchemaViolation(f"unexpected notification {message['method']!r}")
            self._run(("component", "ProgressNotification"), message.get("params"), "$/progress params")
            return
        if "error" in message:
            self._run(("component", "ErrorResponse"), message, f"error reply to {method}")
            return
        self._run(("component", "SuccessResponse"), message, f"reply to {method}")
        if method is None:
            raise SchemaViolation(f"a success reply to input that named no method: {message!r:.500}")
        if ("result", method) not in self._validators:
            raise SchemaViolation(f"{method} answered with a result but is not in the schema")
        self._run(("result", method), message["result"], f"result of {method}")

    def check_envelope(self, message):
        """Validates only the SuccessResponse/ErrorResponse envelope (method unknown)."""
        name = "ErrorResponse" if "error" in message else "SuccessResponse"
        self._run(("component", name), message, "reply")

    def check_batch(self, methods_by_id, replies):
        """Validates each element of a batch reply, matching elements to methods by id."""
        for reply in replies:
            self.check(methods_by_id.get(_id_key(reply.get("id"))), reply)


def _id_key(value):
    return json.dumps(value)
