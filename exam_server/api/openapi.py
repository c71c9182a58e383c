"""The OpenAPI 3.0.3 description of /api/v1, served at /api/v1/openapi.json.

Written by hand next to :mod:`.views` and :mod:`.payloads`; ``tests/web/test_openapi.py``
checks that every route is described, that the document is valid and that real
replies match the schemas (no undeclared item keys). Change them together.
"""
from __future__ import annotations

import copy
from typing import Any

from question_bank.delivery import MAX_BLANK_CHARS, MAX_TEXT_CHARS
from question_bank.types import ITEM_TYPES, MULTIPLE_RULES

from ..hardening import MAX_ID
from ..services.attempts import MAX_SEQ
from ..services.results import LEVELS

PREFIX = "/api/v1"
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"

#: every ``error.code`` the API answers with, and when
ERROR_CODES = {
    "invalid": "The request body or a field is wrong (400: the body is not a JSON object; 422: a field, "
               "named at the start of the message, e.g. `response.choice: …`). Nothing was changed.",
    "csrf": "400: a state-changing call without a valid `X-CSRFToken` header.",
    "bad_request": "400: a malformed request (e.g. a NUL byte in the query string).",
    "unauthorized": "401: not logged in (no session cookie, or the session ended).",
    "login_failed": "401: wrong username or password, the account is disabled or locked, or it must wait "
                    "before the next try; the message says which without revealing whether the username exists.",
    "forbidden": "403: logged in, but not as a student.",
    "password_change_required": "403: the account must change its password in the web interface first.",
    "address_not_allowed": "403: this PC's address is outside the networks the exam allows.",
    "access_code": "403: the exam's access code (考试口令) is missing or wrong.",
    "not_found": "404: no such exam, attempt or route, or it is not the caller's (the API never says which).",
    "method_not_allowed": "405: the route exists but not with this HTTP method.",
    "not_open": "409: the exam has not opened yet or has closed; no attempt was started.",
    "no_attempts_left": "409: every allowed attempt has been used.",
    "device_locked": "409: the attempt is held by another PC (see `X-Device-Id`); a proctor can release it.",
    "conflict": "409: another PC started the same attempt at the same moment; try again.",
    "attempt_closed": "409: the attempt has been submitted; nothing more is saved.",
    "deadline_passed": "409: the attempt's time (and the grace period after it) is over; this save was not "
                       "taken, earlier saves count.",
    "too_large": "413: the request body is too large.",
    "server_error": "500: the server failed; saved data is unaffected. Retry later.",
}

_ITEM_TYPE_NAMES = list(ITEM_TYPES)  # single, multiple, truefalse, blank, short


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict[str, Any], required: list[str] | None = None, description: str = "",
         closed: bool = False, **extra) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required is None:
        required = list(properties)
    if required:
        schema["required"] = required
    if description:
        schema["description"] = description
    if closed:
        schema["additionalProperties"] = False
    schema.update(extra)
    return schema


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _ok(description: str, schema_name: str, headers: dict | None = None) -> dict[str, Any]:
    reply: dict[str, Any] = {"description": description, "content": _json(_ref(schema_name))}
    if headers:
        reply["headers"] = headers
    return reply


def _error(description: str, *codes: str) -> dict[str, Any]:
    listed = "".join(f"\n- `{code}`: {ERROR_CODES[code]}" for code in codes)
    return {"description": f"{description} `error.code` is one of:{listed}", "content": _json(_ref("Error"))}


def _id_param(name: str, what: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": what,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


_DEVICE = {"$ref": "#/components/parameters/DeviceId"}
_EXAM_ID = {"$ref": "#/components/parameters/ExamId"}
_ATTEMPT_ID = {"$ref": "#/components/parameters/AttemptId"}

#: a GET a student makes with the session cookie
_READ = [{"sessionCookie": []}]
#: a POST/PUT made with the session cookie: the CSRF header too
_WRITE = [{"sessionCookie": [], "csrfHeader": []}]


def _student_errors() -> dict[str, Any]:
    return {"401": _error("Not logged in.", "unauthorized"),
            "403": _error("Not a student, or the password must be changed first.", "forbidden",
                          "password_change_required")}


# ---------------------------------------------------------------- schemas

def _schemas() -> dict[str, Any]:
    timestamp = {"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN,
                 "example": "2025-06-01T08:30:00.000Z"}
    choice_id = {"type": "string", "pattern": "^[A-JTF]$"}
    option = _obj({"id": {"type": "string", "pattern": "^[A-JTF]$",
                          "description": "The letter the student sees (A, B, …), or T/F for true/false items. "
                                         "Options of a shuffled exam are relettered per student."},
                   "text": {"type": "string", "description": "Rich text (sanitised HTML)."},
                   "image": {"type": "string", "nullable": True,
                             "description": "URL of the option's picture (under /media/), or null."}},
                  closed=True)
    item_properties = {
        "slot": {"type": "integer", "minimum": 1,
                 "description": "The item's number as this student sees it (1, 2, …): the `slot` of saves."},
        "section": {"type": "integer", "minimum": 0, "description": "Index into `sections`."},
        "type": {"type": "string", "enum": _ITEM_TYPE_NAMES},
        "stem": {"type": "string", "description": "Rich text (sanitised HTML; images under /media/)."},
        "options": {"type": "array", "items": _ref("Option"),
                    "description": "Choice items: their options in displayed order; true/false items: "
                                   "T (正确) and F (错误); empty for blank and short items."},
        "points": {"type": "number", "description": "What the item is worth (its section's points each)."},
        "blanks": {"type": "integer", "minimum": 1,
                   "description": "Blank (fill-in) items only: how many blanks, in stem order."},
    }
    item_required = ["slot", "section", "type", "stem", "options", "points"]
    review_properties = dict(item_properties)
    review_properties.update({
        "response": {"anyOf": [_ref("Response"), {"type": "object", "maxProperties": 0}],
                     "description": "The student's saved response; `{}` when nothing was saved."},
        "awarded": {"type": "number", "nullable": True,
                    "description": "Points given; null while a short answer waits for a teacher's marking."},
        "correct": {"type": "boolean", "nullable": True, "description": "null while waiting for marking."},
        "key": {"type": "string",
                "description": "The key as shown to the student, in the letters the student saw: \"C\", "
                               "\"A、D\", \"正确\", \"欧姆定律；I=U/R / U/R\" (blanks separated by ；, "
                               "accepted alternatives by /); empty for short items."},
        "explanation": {"type": "string", "description": "Rich text; may be empty."},
        "reference": {"type": "string", "description": "Short items only: the reference answer (rich text)."},
    })
    response_types = ", ".join(_ITEM_TYPE_NAMES)
    return {
        "Timestamp": dict(timestamp, description=(
            "A moment in UTC, ISO 8601 with milliseconds and a Z (what `Date.parse` reads in every browser). "
            "Times are the server's: compare them with `server_time`, never with the client's clock.")),
        "NullableTimestamp": dict(timestamp, nullable=True, description="A Timestamp, or null when not (yet) set."),
        "ServerTime": dict(timestamp, description=(
            "The moment the server received the request (every deadline is judged by it). A client keeps "
            "`offset = server_time - local time at receipt` and shows the time left as "
            "`deadline - (local now + offset)`, so a wrong PC clock does not matter.")),
        "Error": _obj({"error": _obj({
            "code": {"type": "string", "enum": list(ERROR_CODES),
                     "description": "Stable, for scripts: " + "; ".join(
                         f"`{code}`: {text}" for code, text in ERROR_CODES.items())},
            "message": {"type": "string",
                        "description": "For people, in the session's language (Chinese unless switched). "
                                       "When one field is at fault it starts with that field and a colon: "
                                       "`seq: …`, `response.blanks: …`."}}, closed=True)},
            description="Every error reply, with the HTTP status.", closed=True),
        "User": _obj({"id": {"type": "integer"}, "username": {"type": "string"}, "name": {"type": "string"},
                      "role": {"type": "string", "enum": ["admin", "teacher", "proctor", "student"]}},
                     closed=True),
        "LoginRequest": _obj({"username": {"type": "string"}, "password": {"type": "string", "format": "password"}}),
        "LoginResult": _obj({
            "user": _ref("User"),
            "must_change_password": {"type": "boolean",
                                     "description": "When true, every call but login, logout and this "
                                                    "document answers 403 `password_change_required` until the "
                                                    "password is changed in the web interface."},
            "csrf_token": {"type": "string",
                           "description": "Send it as the `X-CSRFToken` header of every POST and PUT in this "
                                          "session."}}, closed=True),
        "LogoutResult": _obj({"ok": {"type": "boolean", "enum": [True]}}, closed=True),
        "AttemptRef": _obj({"id": {"type": "integer"}, "number": {"type": "integer", "minimum": 1},
                            "status": {"type": "string", "enum": ["open", "submitted"]}}, closed=True),
        "ExamSummary": _obj({
            "id": {"type": "integer"}, "title": {"type": "string"},
            "category": {"type": "string", "description": "The exam's category (大类), e.g. 计算机类."},
            "opens_at": _ref("Timestamp"), "closes_at": _ref("Timestamp"),
            "minutes": {"type": "integer", "description": "Time allowed per attempt. A student may be given "
                                                          "extra time, and no attempt runs past `closes_at`: "
                                                          "the attempt's `deadline` says when it ends."},
            "phase": {"type": "string", "enum": ["upcoming", "open", "closed"],
                      "description": "At `server_time`: before `opens_at`, until `closes_at`, after it."},
            "attempts_allowed": {"type": "integer", "minimum": 1},
            "access_code_required": {"type": "boolean",
                                     "description": "Starting (or moving to another PC) needs `access_code`."},
            "attempts": {"type": "array", "items": _ref("AttemptRef"),
                         "description": "The caller's attempts at this exam, oldest first."}},
            description="An exam as one student sees it.", closed=True),
        "ExamList": _obj({"exams": {"type": "array", "items": _ref("ExamSummary")},
                          "server_time": _ref("ServerTime")}, closed=True),
        "Section": _obj({
            "index": {"type": "integer", "minimum": 0},
            "type": {"type": "string", "enum": _ITEM_TYPE_NAMES},
            "points_each": {"type": "number"},
            "count": {"type": "integer", "minimum": 0},
            "instruction": {"type": "string", "description": "Shown under the section heading; may be empty."},
            "rule": {"type": "string", "enum": list(MULTIPLE_RULES),
                     "description": "How multiple-choice items of the section are scored: " + "; ".join(
                         f"`{rule}`: {text}" for rule, text in MULTIPLE_RULES.items())
                     + ". Meaningless for other types."}}, closed=True),
        "Option": option,
        "Item": _obj(item_properties, item_required, closed=True, description=(
            "One item as the student's browser gets it. It never carries a key, an explanation or a "
            "scoring point; these are the only keys it has.")),
        "ReviewItem": _obj(review_properties, item_required + ["response", "awarded", "correct", "key",
                                                               "explanation"], closed=True,
                           description="An item of a submitted attempt at the `full` review level."),
        "ChoiceResponse": _obj({"choice": dict(choice_id, nullable=True, description=(
            "The letter chosen (T or F for true/false items); null clears the answer."))}, closed=True,
            description="For `single` and `truefalse` items: `{\"choice\": \"B\"}`."),
        "MultipleChoiceResponse": _obj({"choices": {"type": "array", "items": choice_id,
                                                    "description": "Letters chosen; stored sorted and without "
                                                                   "repeats. [] clears the answer."}},
                                       closed=True, description="For `multiple` items: `{\"choices\": [\"A\", "
                                                                "\"C\"]}`."),
        "BlankResponse": _obj({"blanks": {"type": "array", "items": {"type": "string",
                                                                     "maxLength": MAX_BLANK_CHARS},
                                          "description": "One text per blank in order, at most `blanks` of "
                                                         "them; stored padded with \"\" to `blanks`."}},
                              closed=True, description="For `blank` items: `{\"blanks\": [\"欧姆定律\", "
                                                       "\"I=U/R\"]}`."),
        "TextResponse": _obj({"text": {"type": "string", "maxLength": MAX_TEXT_CHARS}}, closed=True,
                             description="For `short` items: `{\"text\": \"…\"}` (plain text)."),
        "Response": {"oneOf": [_ref("ChoiceResponse"), _ref("MultipleChoiceResponse"), _ref("BlankResponse"),
                               _ref("TextResponse")],
                     "description": (
                         f"A response; its shape is fixed by the item's type ({response_types}): `single` "
                         "and `truefalse` take ChoiceResponse, `multiple` MultipleChoiceResponse, `blank` "
                         "BlankResponse, `short` TextResponse. Saves are stored in this canonical form. When "
                         "saving, fields of other shapes are ignored and a missing field counts as empty; a "
                         "wrong value is refused (422 `invalid`, naming e.g. `response.choice`).")},
        "SavedResponse": _obj({"slot": {"type": "integer", "minimum": 1}, "response": _ref("Response"),
                               "seq": {"type": "integer", "minimum": 1},
                               "saved_at": _ref("Timestamp")}, closed=True),
        "AttemptState": _obj({
            "id": {"type": "integer"}, "exam_id": {"type": "integer"},
            "number": {"type": "integer", "minimum": 1, "description": "1 for the first attempt, 2, …"},
            "status": {"type": "string", "enum": ["open", "submitted"]},
            "server_time": _ref("ServerTime"),
            "started_at": _ref("Timestamp"),
            "deadline": dict(timestamp, description=(
                "When the attempt's time ends: start + `minutes` + extra time given, never past the exam's "
                "close. Saves arriving a short grace period later are still taken; after that they are "
                "refused and the server submits the attempt itself.")),
            "submitted_at": _ref("NullableTimestamp"),
            "submitted_by": {"type": "string", "nullable": True, "enum": ["student", "server", "proctor", None],
                             "description": "Who closed it: the student, the server when time ran out, or a "
                                            "proctor; null while open."},
            "slots": {"type": "integer", "minimum": 0, "description": "How many items the attempt has."},
            "answered": {"type": "integer", "minimum": 0,
                         "description": "How many saved responses say something (a cleared choice or empty "
                                        "blanks do not)."},
            "responses": {"type": "array", "items": _ref("SavedResponse"),
                          "description": "Every saved response by slot, with its seq: restore the page from "
                                         "it and continue numbering saves above the highest seq."},
            "grading": {"type": "boolean",
                        "description": "Only when submitted and the exam's review policy shows the score: true "
                                       "for the few seconds until the server has graded the attempt (then "
                                       "`score` is null); ask again a moment later."},
            "score": {"type": "number", "nullable": True,
                      "description": "Only with `grading`: the total so far, null while grading."},
            "max_score": {"type": "number", "nullable": True, "description": "Only with `grading`."},
            "provisional": {"type": "boolean",
                            "description": "Only with `grading`: true while short answers wait for marking."}},
            ["id", "exam_id", "number", "status", "server_time", "started_at", "deadline", "submitted_at",
             "submitted_by", "slots", "answered", "responses"], closed=True),
        "StartRequest": _obj({"access_code": {"type": "string",
                                              "description": "The exam's access code (考试口令), when "
                                                             "`access_code_required`."},
                              "device": {"type": "string", "maxLength": 64,
                                         "description": "Used when the `X-Device-Id` header is absent."}},
                             []),
        "StartResult": _obj({"attempt": _ref("AttemptState"), "exam": _ref("ExamSummary"),
                             "sections": {"type": "array", "items": _ref("Section")},
                             "items": {"type": "array", "items": _ref("Item"),
                                       "description": "Every item in the order this student sees them "
                                                      "(items and options may be shuffled per student; "
                                                      "the same on every resume)."}}, closed=True),
        "SaveRequest": _obj({
            "response": _ref("Response"),
            "seq": {"type": "integer", "minimum": 1, "maximum": MAX_SEQ - 1,
                    "description": "A number the client increases with every save of the attempt (e.g. a "
                                   "counter kept above the highest `seq` in AttemptState). A save applies only "
                                   "when its seq is higher than the stored one, so repeated, late or reordered "
                                   "saves (an offline queue replayed, two tabs) never replace a newer answer."},
            "device": {"type": "string", "maxLength": 64,
                       "description": "Used when the `X-Device-Id` header is absent."}},
            ["response", "seq"]),
        "SaveResult": _obj({
            "slot": {"type": "integer", "minimum": 1},
            "seq": {"type": "integer", "minimum": 1, "description": "The stored seq after the call."},
            "applied": {"type": "boolean", "description": "false when a save with the same or a higher seq was "
                                                          "already stored: that one stands (not an error)."},
            "server_time": _ref("ServerTime"), "deadline": _ref("Timestamp")}, closed=True),
        "PingResult": _obj({"status": {"type": "string", "enum": ["open", "submitted"]},
                            "server_time": _ref("ServerTime"), "deadline": _ref("Timestamp")}, closed=True),
        "ClassStats": _obj({"class": {"type": "string"}, "count": {"type": "integer", "minimum": 1},
                            "average": {"type": "number"}, "highest": {"type": "number"},
                            "lowest": {"type": "number"}}, closed=True, nullable=True,
                           description="The class's average, highest and lowest score (each student's best "
                                       "submitted attempt); null when the student has no class."),
        "Result": _obj({
            "attempt_id": {"type": "integer"}, "exam_id": {"type": "integer"},
            "status": {"type": "string", "enum": ["open", "submitted"]},
            "level": {"type": "string", "enum": list(LEVELS),
                      "description": "What the exam's review policy shows now: `none` (only that it was "
                                     "submitted), `score` (the totals), `full` (also every item with the "
                                     "response, the key and the explanation)."},
            "grading": {"type": "boolean", "enum": [True],
                        "description": "Present (true) from level `score` for the few seconds until the server "
                                       "has graded the attempt; nothing else is reported then. Ask again."},
            "score": {"type": "number", "description": "From level `score`."},
            "max_score": {"type": "number", "description": "From level `score`."},
            "pending_points": {"type": "number", "description": "From level `score`: points still to be marked."},
            "provisional": {"type": "boolean", "description": "From level `score`: true while points are pending."},
            "class_stats": _ref("ClassStats"),
            "items": {"type": "array", "items": _ref("ReviewItem"), "description": "Level `full` only."}},
            ["attempt_id", "exam_id", "status", "level"], closed=True,
            description="`class_stats` appears from level `score` once the exam has closed."),
    }


# ---------------------------------------------------------------- paths

def _paths() -> dict[str, Any]:
    student = _student_errors()
    not_yours = _error("No such attempt, or not the caller's.", "not_found")
    return {
        f"{PREFIX}/auth/login": {"post": {
            "tags": ["Session"], "operationId": "login", "summary": "Log in",
            "description": "Starts a cookie session for any role. Exempt from the CSRF check. Repeated "
                           "failures slow down, then lock the account for a while.",
            "security": [],
            "requestBody": {"required": True, "content": _json(_ref("LoginRequest"))},
            "responses": {
                "200": _ok("Logged in; keep the session cookie and send `csrf_token` as `X-CSRFToken`.",
                           "LoginResult", {"Set-Cookie": {"description": "The session cookie.",
                                                          "schema": {"type": "string"}}}),
                "400": _error("The body is not a JSON object.", "invalid"),
                "401": _error("Refused.", "login_failed"),
                "422": _error("`username` or `password` is missing or not a string.", "invalid")}}},
        f"{PREFIX}/auth/logout": {"post": {
            "tags": ["Session"], "operationId": "logout", "summary": "Log out", "security": _WRITE,
            "responses": {"200": _ok("The session has ended (also when it had already).", "LogoutResult"),
                          "400": _error("Without a valid CSRF header.", "csrf")}}},
        f"{PREFIX}/exams": {"get": {
            "tags": ["Exams"], "operationId": "listExams", "summary": "The caller's exams",
            "description": "Every exam the student is a candidate of, upcoming, open and closed.",
            "security": _READ,
            "responses": {"200": _ok("The exams and the server's time.", "ExamList"), **student}}},
        f"{PREFIX}/exams/{{exam_id}}/attempts": {"post": {
            "tags": ["Attempts"], "operationId": "startAttempt", "summary": "Start or resume an attempt",
            "description": "Resumes the caller's open attempt, else starts the next one (while the exam is open "
                           "and attempts are left). An open attempt whose time and grace have run out is "
                           "submitted first. On an exam limited to one PC, the attempt belongs to the PC that "
                           "started it (`X-Device-Id`); another PC gets `device_locked` until a proctor "
                           "releases it, then takes it over (with the access code, if the exam has one). "
                           "Returns the items without keys.",
            "security": _WRITE, "parameters": [_EXAM_ID, _DEVICE],
            "requestBody": {"required": False, "content": _json(_ref("StartRequest"))},
            "responses": {
                "200": _ok("The open attempt, resumed.", "StartResult"),
                "201": _ok("A new attempt, started now.", "StartResult"),
                "400": _error("The body is JSON but not an object, or the CSRF header is missing.",
                              "invalid", "csrf"),
                "401": student["401"],
                "403": _error("Not allowed to sit from here or not with this code.", "forbidden",
                              "password_change_required", "address_not_allowed", "access_code"),
                "404": _error("No such exam, or the caller is not one of its candidates.", "not_found"),
                "409": _error("The attempt cannot be started or resumed now.", "not_open", "no_attempts_left",
                              "device_locked", "conflict")}}},
        f"{PREFIX}/attempts/{{attempt_id}}": {"get": {
            "tags": ["Attempts"], "operationId": "getAttempt", "summary": "An attempt's state",
            "description": "Status, times and every saved response. An open attempt whose time and grace have "
                           "run out is submitted first.",
            "security": _READ, "parameters": [_ATTEMPT_ID],
            "responses": {"200": _ok("The attempt.", "AttemptState"), **student, "404": not_yours}}},
        f"{PREFIX}/attempts/{{attempt_id}}/responses/{{slot}}": {"put": {
            "tags": ["Attempts"], "operationId": "saveResponse", "summary": "Save one response",
            "description": "Stores the response of one slot if `seq` is higher than the stored one "
                           "(idempotent: resending a save is safe). Accepted until the deadline plus a short "
                           "grace period, judged by the time the request arrived.",
            "security": _WRITE,
            "parameters": [_ATTEMPT_ID, {"name": "slot", "in": "path", "required": True,
                                         "description": "The item's `slot` (1 to the attempt's `slots`).",
                                         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
                           _DEVICE],
            "requestBody": {"required": True, "content": _json(_ref("SaveRequest"))},
            "responses": {
                "200": _ok("Saved, or a newer save stands (`applied` false).", "SaveResult"),
                "400": _error("The body is not a JSON object, or the CSRF header is missing.", "invalid", "csrf"),
                "401": student["401"],
                "403": _error("Not allowed.", "forbidden", "password_change_required", "address_not_allowed"),
                "404": not_yours,
                "409": _error("Not saved; earlier saves stand.", "attempt_closed", "deadline_passed",
                              "device_locked"),
                "422": _error("A field is wrong: `slot`, `seq`, `response` or a field of it such as "
                              "`response.choice`, `response.choices`, `response.blanks`, `response.text`.",
                              "invalid")}}},
        f"{PREFIX}/attempts/{{attempt_id}}/ping": {"post": {
            "tags": ["Attempts"], "operationId": "ping", "summary": "Keep-alive and clock",
            "description": "Tells proctors the PC is alive (the exam page sends it after 20 s without a save) "
                           "and returns the server's time and the deadline, which a proctor may have moved. "
                           "Pings from a PC that does not hold the attempt are answered but not recorded.",
            "security": _WRITE, "parameters": [_ATTEMPT_ID, _DEVICE],
            "responses": {"200": _ok("The attempt's status and time.", "PingResult"),
                          "400": _error("Without a valid CSRF header.", "csrf"), **student, "404": not_yours}}},
        f"{PREFIX}/attempts/{{attempt_id}}/submit": {"post": {
            "tags": ["Attempts"], "operationId": "submitAttempt", "summary": "Submit (交卷)",
            "description": "Closes the attempt; the server grades it within seconds (until then the reply "
                           "and AttemptState carry `grading` true). Submitting a submitted attempt changes nothing. "
                           "After the grace period the server has submitted it already (`submitted_by` "
                           "`server`), with the responses saved in time.",
            "security": _WRITE, "parameters": [_ATTEMPT_ID],
            "responses": {"200": _ok("The submitted attempt, with the score if the review policy shows it.",
                                     "AttemptState"),
                          "400": _error("Without a valid CSRF header.", "csrf"), **student, "404": not_yours}}},
        f"{PREFIX}/attempts/{{attempt_id}}/result": {"get": {
            "tags": ["Attempts"], "operationId": "getResult", "summary": "The attempt's result",
            "description": "As much as the exam's review policy shows now (it may show more once the exam "
                           "closes). Keys and explanations appear only at level `full`.",
            "security": _READ, "parameters": [_ATTEMPT_ID],
            "responses": {"200": _ok("The result.", "Result"), **student, "404": not_yours}}},
        f"{PREFIX}/openapi.json": {"get": {
            "tags": ["Meta"], "operationId": "getOpenApi", "summary": "This document", "security": [],
            "responses": {"200": {"description": "The OpenAPI 3.0.3 document of /api/v1.",
                                  "content": _json({"type": "object"})}}}},
    }


_DESCRIPTION = f"""\
The JSON API that the exam page uses and scripts may use: log in, list one's exams, start or resume an
attempt, save responses one by one, keep alive, submit, read the result. Only students sit exams; other
roles may log in but get 403 `forbidden` from the exam calls.

**Sessions.** `POST {PREFIX}/auth/login` sets a session cookie and returns a `csrf_token`. Every later
call sends the cookie; every POST and PUT also sends the token as the `X-CSRFToken` header (login is
exempt). Without it the call is refused with 400 `csrf`. The token lasts as long as the session; the exam
page reads it from its `<meta name="csrf-token">`.

**PCs.** Send `X-Device-Id` (an id the client makes once per PC and keeps, at most 64 characters) with
start, save and ping. Exams limited to one PC refuse calls from another PC with 409 `device_locked`.

**Time.** Every time is UTC, ISO 8601 with milliseconds and a Z (`2025-06-01T08:30:00.000Z`). The server
judges deadlines by the moment a request arrives and returns that moment as `server_time`; count down
against it, not against the PC's clock.

**Keys.** Items come without keys, explanations or scoring points. Option letters are the ones this
student sees (options may be shuffled per student); responses use those letters.

**Errors.** Every error is `{{"error": {{"code": "…", "message": "…"}}}}` with the HTTP status; `code` is
stable (see the Error schema), `message` is for people (Chinese unless the session switched language
with `GET /lang/en`) and starts with the field at fault, if any. A refused call changes nothing.
"""


def _paths_with_defaults() -> dict[str, Any]:
    """Every operation may also answer the generic errors of any route."""
    paths = _paths()
    for operations in paths.values():
        for operation in operations.values():
            operation["responses"]["default"] = {"$ref": "#/components/responses/Unexpected"}
    return paths


def _document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Exam server API", "version": "1.0", "description": _DESCRIPTION},
        "servers": [{"url": "/"}],
        "tags": [{"name": "Session", "description": "Logging in and out."},
                 {"name": "Exams", "description": "The caller's exams."},
                 {"name": "Attempts", "description": "Sitting an exam: start, save, ping, submit, result."},
                 {"name": "Meta", "description": "This description."}],
        "paths": _paths_with_defaults(),
        "components": {
            "schemas": _schemas(),
            "parameters": {
                "ExamId": _id_param("exam_id", "The exam's id (from the exam list)."),
                "AttemptId": _id_param("attempt_id", "The attempt's id (from starting, or the exam list)."),
                "DeviceId": {"name": "X-Device-Id", "in": "header", "required": False,
                             "description": "Identifies the PC (made once per PC by the client and kept, "
                                            "e.g. in localStorage); cut to 64 characters. Without it the "
                                            "body's `device` field is used, else \"default\".",
                             "schema": {"type": "string", "maxLength": 64}},
            },
            "responses": {
                "Unexpected": _error("Any route may also fail like this.", "bad_request", "method_not_allowed",
                                     "too_large", "server_error"),
            },
            "securitySchemes": {
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session",
                                  "description": "The session cookie set by login (HttpOnly, SameSite=Lax)."},
                "csrfHeader": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                               "description": "The `csrf_token` from login; required on every POST and PUT "
                                              "except login itself."},
            },
        },
    }


_DOCUMENT = _document()


def document() -> dict:
    """The OpenAPI document of /api/v1 (a fresh copy: callers may change it)."""
    return copy.deepcopy(_DOCUMENT)
