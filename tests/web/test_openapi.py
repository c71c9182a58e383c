"""/api/v1/openapi.json: served to anyone, describes every route and nothing else, valid, true to real replies."""
import re
from datetime import timedelta
from pathlib import Path

import pytest

import exam_server
from exam_server.api import openapi
from exam_server.errors import _API_CODES
from exam_server.extensions import db
from exam_server.models import Attempt, utcnow
from exam_server.services import attempts
from tests.exam_fixtures import MAX_SCORE, grade_all, make_exam, right_response

from .test_exam_api import api_login

SOURCE = Path(exam_server.__file__).parent


def flask_path(rule: str) -> str:
    """``/exams/<int:exam_id>/attempts`` as OpenAPI writes it: ``/exams/{exam_id}/attempts``."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


def api_routes(app) -> set[tuple[str, str]]:
    return {(flask_path(rule.rule), method.lower()) for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/v1/") for method in rule.methods - {"HEAD", "OPTIONS"}}


def described(doc) -> set[tuple[str, str]]:
    return {(path, method) for path, operations in doc["paths"].items() for method in operations
            if method in ("get", "put", "post", "delete", "patch", "head", "options", "trace")}


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def resolve(doc, ref):
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
        node = node[part]
    return node


# ---------------------------------------------------------------- the document itself

def test_the_document_is_served_to_anyone(client):
    reply = client.get("/api/v1/openapi.json")
    assert reply.status_code == 200 and reply.mimetype == "application/json"
    body = reply.get_json()
    assert body == openapi.document() and body["openapi"] == "3.0.3"


def test_every_api_route_is_described_and_nothing_else(app):
    doc = openapi.document()
    routes = api_routes(app)
    assert ("/api/v1/attempts/{attempt_id}/responses/{slot}", "put") in routes  # the conversion works
    assert routes - described(doc) == set(), "routes missing from the document"
    assert described(doc) - routes == set(), "the document describes routes that do not exist"


def test_path_parameters_match_the_routes():
    doc = openapi.document()
    for path, operations in doc["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for method, operation in operations.items():
            params = [resolve(doc, p["$ref"]) if "$ref" in p else p for p in operation.get("parameters", [])]
            assert {p["name"] for p in params if p["in"] == "path"} == names, (path, method)


def test_operation_ids_are_unique():
    doc = openapi.document()
    ids = [operation["operationId"] for operations in doc["paths"].values() for operation in operations.values()]
    assert len(ids) == len(set(ids)) == len(described(doc))


def test_every_ref_resolves_and_every_schema_is_used():
    doc = openapi.document()
    used = set(refs(doc))
    assert used
    for ref in used:
        resolve(doc, ref)
    schemas = {f"#/components/schemas/{name}" for name in doc["components"]["schemas"]}
    assert schemas - used == set(), "schemas nothing refers to"


def test_the_document_is_valid_openapi():
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(openapi.document())


def test_state_changing_calls_need_the_csrf_header_and_login_does_not():
    doc = openapi.document()
    header = doc["components"]["securitySchemes"]["csrfHeader"]
    assert (header["type"], header["in"], header["name"]) == ("apiKey", "header", "X-CSRFToken")
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            schemes = {name for requirement in operation["security"] for name in requirement}
            if path in ("/api/v1/auth/login", "/api/v1/openapi.json"):
                assert schemes == set(), path
            elif method in ("post", "put"):
                assert schemes == {"sessionCookie", "csrfHeader"}, path
            else:
                assert schemes == {"sessionCookie"}, path


def test_every_error_code_the_api_can_answer_is_listed():
    listed = set(openapi.document()["components"]["schemas"]["Error"]["properties"]["error"]["properties"]
                 ["code"]["enum"])
    used = set(_API_CODES.values()) | {"csrf", "password_change_required"}
    for source in ("api/views.py", "services/attempts.py"):
        text = (SOURCE / source).read_text(encoding="utf-8")
        used |= set(re.findall(r'(?:Refused|error)\(\s*"(\w+)"', text))
    assert {"invalid", "login_failed", "deadline_passed", "device_locked", "unauthorized"} <= used
    assert used - listed == set()


def test_item_types_and_rules_follow_the_domain():
    schemas = openapi.document()["components"]["schemas"]
    assert schemas["Item"]["properties"]["type"]["enum"] == ["single", "multiple", "truefalse", "blank", "short"]
    assert set(schemas["Section"]["properties"]["rule"]["enum"]) == {"all_or_nothing", "half_for_subset",
                                                                     "per_option"}
    assert [r["$ref"].rsplit("/", 1)[1] for r in schemas["Response"]["oneOf"]] == [
        "ChoiceResponse", "MultipleChoiceResponse", "BlankResponse", "TextResponse"]


# ---------------------------------------------------------------- real replies against the schemas

class Replies:
    """Checks replies against the schema the document declares for their route, method and status."""

    def __init__(self, client):
        self.client = client
        self.doc = openapi.document()
        self.checked = set()

    def schema(self, path, method, status):
        responses = self.doc["paths"][path][method]["responses"]
        assert str(status) in responses, f"{method.upper()} {path} answered {status}, which is not described"
        return responses[str(status)]["content"]["application/json"]["schema"]

    def check(self, reply, path, method):
        from openapi_schema_validator import OAS30Validator, validate
        validate(reply.get_json(), {**self.schema(path, method, reply.status_code),
                                    "components": self.doc["components"]}, cls=OAS30Validator)
        self.checked.add((path, method, reply.status_code))
        return reply.get_json()

    def call(self, method, url, path, **kwargs):
        return self.check(getattr(self.client, method)(url, **kwargs), path, method)


@pytest.fixture
def replies(client):
    pytest.importorskip("openapi_schema_validator")
    return Replies(client)


def test_the_item_keys_of_a_real_start_are_exactly_the_declared_ones(client):
    exam_row, students = make_exam(students=1)
    api_login(client, students[0].username)
    body = client.post(f"/api/v1/exams/{exam_row.id}/attempts", json={}).get_json()
    item_schema = openapi.document()["components"]["schemas"]["Item"]
    declared, required = set(item_schema["properties"]), set(item_schema["required"])
    assert item_schema["additionalProperties"] is False
    option_keys = set(openapi.document()["components"]["schemas"]["Option"]["properties"])
    assert {item["type"] for item in body["items"]} == set(item_schema["properties"]["type"]["enum"])
    for item in body["items"]:
        assert required <= set(item) <= declared, item
        assert ("blanks" in item) is (item["type"] == "blank")
        assert all(set(option) == option_keys for option in item["options"])


def test_a_whole_exam_through_the_api_matches_the_schemas(client, replies):
    exam_row, students = make_exam(students=2, review_after_submit="full")
    path = "/api/v1/exams/{exam_id}/attempts"
    replies.call("post", "/api/v1/auth/login", "/api/v1/auth/login",
                 json={"username": students[0].username, "password": "secret-pw"})
    replies.call("get", "/api/v1/exams", "/api/v1/exams")
    started = replies.call("post", f"/api/v1/exams/{exam_row.id}/attempts", path, json={},
                           headers={"X-Device-Id": "pc-1"})
    attempt_id = started["attempt"]["id"]
    resumed = replies.call("post", f"/api/v1/exams/{exam_row.id}/attempts", path, json={},
                           headers={"X-Device-Id": "pc-1"})
    assert resumed["attempt"]["id"] == attempt_id
    assert {(path, "post", 201), (path, "post", 200)} <= replies.checked

    attempt = db.session.get(Attempt, attempt_id)
    shown = attempts.attempt_variant(attempt, attempt.exam)
    save = "/api/v1/attempts/{attempt_id}/responses/{slot}"
    for number, slot in enumerate(shown.slots, start=1):
        response = right_response(slot.item.type, slot.key) if number % 3 else {}
        replies.call("put", f"/api/v1/attempts/{attempt_id}/responses/{number}", save,
                     json={"response": response, "seq": number}, headers={"X-Device-Id": "pc-1"})
    replies.call("put", f"/api/v1/attempts/{attempt_id}/responses/1", save,
                 json={"response": {"choice": "Z"}, "seq": 50}, headers={"X-Device-Id": "pc-1"})
    replies.call("put", f"/api/v1/attempts/{attempt_id}/responses/1", save,
                 json={"response": {"choice": "A"}, "seq": 50}, headers={"X-Device-Id": "pc-2"})
    replies.call("put", f"/api/v1/attempts/{attempt_id}/responses/1", save, data="x", content_type="text/plain")
    state = replies.call("get", f"/api/v1/attempts/{attempt_id}", "/api/v1/attempts/{attempt_id}")
    assert {r["slot"] for r in state["responses"]} == set(range(1, len(shown.slots) + 1))
    replies.call("post", f"/api/v1/attempts/{attempt_id}/ping", "/api/v1/attempts/{attempt_id}/ping",
                 headers={"X-Device-Id": "pc-1"})
    submitted = replies.call("post", f"/api/v1/attempts/{attempt_id}/submit", "/api/v1/attempts/{attempt_id}/submit")
    assert submitted["status"] == "submitted" and submitted["grading"] is True and submitted["score"] is None
    replies.call("put", f"/api/v1/attempts/{attempt_id}/responses/1", save,
                 json={"response": {"choice": "A"}, "seq": 99}, headers={"X-Device-Id": "pc-1"})
    result = replies.call("get", f"/api/v1/attempts/{attempt_id}/result", "/api/v1/attempts/{attempt_id}/result")
    assert result == {"attempt_id": attempt_id, "exam_id": exam_row.id, "status": "submitted", "level": "full",
                      "grading": True}
    assert grade_all() == 1
    state = replies.call("get", f"/api/v1/attempts/{attempt_id}", "/api/v1/attempts/{attempt_id}")
    assert state["grading"] is False and state["score"] > 0 and state["max_score"] == MAX_SCORE
    result = replies.call("get", f"/api/v1/attempts/{attempt_id}/result", "/api/v1/attempts/{attempt_id}/result")
    assert result["level"] == "full" and len(result["items"]) == len(shown.slots) and "grading" not in result

    exam_row.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    closed = replies.call("get", f"/api/v1/attempts/{attempt_id}/result", "/api/v1/attempts/{attempt_id}/result")
    assert closed["class_stats"]["count"] == 1
    replies.call("post", f"/api/v1/exams/{exam_row.id}/attempts", path, json={})
    replies.call("get", "/api/v1/attempts/999999", "/api/v1/attempts/{attempt_id}")
    replies.call("post", "/api/v1/auth/logout", "/api/v1/auth/logout")
    replies.call("get", "/api/v1/exams", "/api/v1/exams")
    replies.call("post", "/api/v1/auth/login", "/api/v1/auth/login", json={"username": "nobody", "password": "x"})
    replies.call("post", "/api/v1/auth/login", "/api/v1/auth/login", json={"username": "nobody"})
    replies.call("get", "/api/v1/openapi.json", "/api/v1/openapi.json")
    assert {status for _, _, status in replies.checked} == {200, 201, 400, 401, 404, 409, 422}


def test_refusals_match_the_error_schema(client, replies, teacher, create_user):
    exam_row, students = make_exam(students=1, access_code="8848",
                                   opens_at=utcnow() + timedelta(hours=1), closes_at=utcnow() + timedelta(hours=3))
    path = "/api/v1/exams/{exam_id}/attempts"
    url = f"/api/v1/exams/{exam_row.id}/attempts"
    api_login(client, students[0].username)
    assert replies.call("post", url, path, json={})["error"]["code"] == "not_open"
    assert replies.call("post", url, path, json=["x"])["error"]["code"] == "invalid"
    exam_row.opens_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert replies.call("post", url, path, json={"access_code": "1"})["error"]["code"] == "access_code"
    client.post("/api/v1/auth/logout")
    api_login(client, "teacher1")
    assert replies.call("post", url, path, json={})["error"]["code"] == "forbidden"
    client.post("/api/v1/auth/logout")
    create_user("s900", role="student", must_change_password=True)
    api_login(client, "s900")
    assert replies.call("get", "/api/v1/exams", "/api/v1/exams")["error"]["code"] == "password_change_required"


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_a_call_without_the_csrf_header_matches_the_error_schema(client, replies):
    exam_row, students = make_exam(students=1)
    token = api_login(client, students[0].username)
    path = "/api/v1/exams/{exam_id}/attempts"
    refused = replies.call("post", f"/api/v1/exams/{exam_row.id}/attempts", path, json={})
    assert refused["error"]["code"] == "csrf"
    replies.call("post", f"/api/v1/exams/{exam_row.id}/attempts", path, json={}, headers={"X-CSRFToken": token})
