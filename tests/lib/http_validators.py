"""What each HTTP target accepts, for http-receiver.py --validate KIND.

validate(kind, method, path, headers, body) checks one request as the
target would (body already decoded from any Content-Encoding) and
returns None, or (status, answer, reason): the target's own error answer
and, for DIR/N.invalid, why. Each check follows its target's documented
API, summarised above it; where a target is lenient and falco-pipes
promises more (entries of a Loki stream in time order, one stream per
label set), the promise is checked too, so a test fails when it is
broken.
"""
import json
import re
from urllib.parse import urlsplit

LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
NANOSECONDS = re.compile(r"(0|[1-9][0-9]{0,18})\Z")


class Invalid(Exception):
    def __init__(self, status, answer, reason=None):
        super().__init__(reason or answer)
        self.status = status
        self.answer = answer
        self.reason = reason or answer


def strict_object(pairs):
    """A JSON object that names a key twice is refused, as Go's decoders
    used by Loki would keep only the last."""
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise Invalid(400, "duplicate key %r" % key)
        obj[key] = value
    return obj


def parse_json(body):
    try:
        return json.loads(body.decode("utf-8"), object_pairs_hook=strict_object)
    except (UnicodeDecodeError, ValueError) as e:
        raise Invalid(400, "invalid JSON: %s" % e)


def content_type(headers):
    return headers.get("Content-Type", "").split(";")[0].strip().lower()


# ---- Loki: POST /loki/api/v1/push (reference.md §5) ----

def loki(method, path, headers, body):
    if method != "POST":
        raise Invalid(405, "method not allowed")
    if urlsplit(path).path != "/loki/api/v1/push":
        raise Invalid(404, "404 page not found")
    encoding = headers.get("Content-Encoding")
    if encoding is not None and encoding.lower() not in ("gzip", "deflate"):
        raise Invalid(415, 'Content-Encoding "%s" not supported' % encoding)
    # Without it Loki reads snappy-compressed protobuf.
    if content_type(headers) != "application/json":
        raise Invalid(400, "loki: not JSON (Content-Type %r)"
                      % headers.get("Content-Type"))
    push = parse_json(body)
    if not isinstance(push, dict) or not isinstance(push.get("streams"), list):
        raise Invalid(400, "no streams")
    if not push["streams"]:
        raise Invalid(400, "empty push: no streams")
    seen = set()
    for i, stream in enumerate(push["streams"]):
        loki_stream(i, stream, seen)
    return None


def loki_stream(i, stream, seen):
    if not isinstance(stream, dict) or set(stream) != {"stream", "values"}:
        raise Invalid(400, "stream %d: not an object of stream and values" % i)
    labels = stream["stream"]
    if not isinstance(labels, dict) or not labels:
        raise Invalid(400, "error at least one label pair is required per stream")
    if len(labels) > 15:
        raise Invalid(400, "stream %d: %d label names, more than 15"
                      % (i, len(labels)))
    for name, value in labels.items():
        if not LABEL_NAME.match(name) or name.startswith("__"):
            raise Invalid(400, "stream %d: invalid label name %r" % (i, name))
        if len(name.encode()) > 1024:
            raise Invalid(400, "stream %d: label name too long" % i)
        if not isinstance(value, str):
            raise Invalid(400, "stream %d: label %s is not a string" % (i, name))
        if len(value.encode()) > 2048:
            raise Invalid(400, "stream %d: label value too long" % i)
    key = tuple(sorted(labels.items()))
    if key in seen:
        raise Invalid(400, "stream %d: the same labels as an earlier stream"
                      % i, "falco-pipes groups a push by label set")
    seen.add(key)
    values = stream["values"]
    if not isinstance(values, list) or not values:
        raise Invalid(400, "stream %d: no values" % i)
    last = None
    for j, entry in enumerate(values):
        ns = loki_entry(i, j, entry)
        if last is not None and ns < last:
            raise Invalid(400, "stream %d: entry %d is older than the one "
                          "before" % (i, j), "falco-pipes orders a stream")
        last = ns


def loki_entry(i, j, entry):
    where = "stream %d entry %d" % (i, j)
    if not isinstance(entry, list) or len(entry) not in (2, 3):
        raise Invalid(400, "%s: not [timestamp, line(, metadata)]" % where)
    if not isinstance(entry[0], str) or not NANOSECONDS.match(entry[0]):
        raise Invalid(400, "%s: the timestamp is not a string of "
                      "nanoseconds" % where)
    if not isinstance(entry[1], str):
        raise Invalid(400, "%s: the line is not a string" % where)
    if len(entry) == 3:
        meta = entry[2]
        if not isinstance(meta, dict) or not meta:
            raise Invalid(400, "%s: structured metadata is not an object"
                          % where)
        for name, value in meta.items():
            if not isinstance(value, str):
                raise Invalid(400, "%s: metadata %s is not a string"
                              % (where, name))
    return int(entry[0])


# ---- Microsoft Teams: a Workflows (Power Automate) webhook ----
# The "post to a channel when a webhook request is received" flow takes a
# message whose attachments are Adaptive Cards; a flow of one's own may
# read a plain "text". Teams refuses messages over 28 KB.

TEAMS_CARD = "application/vnd.microsoft.card.adaptive"


def teams(method, path, headers, body):
    if method != "POST":
        raise Invalid(405, "method not allowed")
    if len(body) > 28 * 1024:
        raise Invalid(413, "message over 28 KB")
    msg = json_object(headers, body)
    if "attachments" not in msg:
        nonempty_string(msg, "text", "a message without attachments")
        return None
    if msg.get("type") != "message":
        raise Invalid(400, 'type is not "message"')
    cards = msg["attachments"]
    if not isinstance(cards, list) or not cards:
        raise Invalid(400, "attachments is not a list of cards")
    for i, card in enumerate(cards):
        if not isinstance(card, dict) or card.get("contentType") != TEAMS_CARD:
            raise Invalid(400, "attachment %d is not an Adaptive Card" % i)
        content = card.get("content")
        if not isinstance(content, dict) or content.get("type") != "AdaptiveCard":
            raise Invalid(400, "attachment %d: content.type is not AdaptiveCard" % i)
        elements = content.get("body")
        if not isinstance(elements, list) or not elements:
            raise Invalid(400, "attachment %d: no body" % i)
        for j, e in enumerate(elements):
            if not isinstance(e, dict) or not isinstance(e.get("type"), str):
                raise Invalid(400, "attachment %d: element %d has no type" % (i, j))
            if e["type"] == "TextBlock":
                nonempty_string(e, "text", "attachment %d element %d" % (i, j))
    return None


# ---- Discord: POST /api/webhooks/ID/TOKEN ----
# content at most 2000 characters; allowed_mentions.parse a subset of
# roles, users, everyone. Answers 204 (200 with ?wait=true).

def discord(method, path, headers, body):
    if method != "POST":
        raise Invalid(405, '{"message": "405: Method Not Allowed", "code": 0}')
    if not re.match(r"/api/webhooks/[0-9]+/[A-Za-z0-9_-]+(\?|\Z)", path):
        raise Invalid(404, '{"message": "Unknown Webhook", "code": 10015}')
    msg = json_object(headers, body)
    content = msg.get("content")
    if not isinstance(content, str) or not content:
        if "embeds" not in msg:
            raise Invalid(400, '{"message": "Cannot send an empty message", "code": 50006}')
    elif len(content) > 2000:
        raise Invalid(400, '{"message": "Invalid Form Body", "code": 50035}',
                      "content of %d characters" % len(content))
    mentions = msg.get("allowed_mentions")
    if mentions is not None:
        parse = mentions.get("parse") if isinstance(mentions, dict) else None
        if not isinstance(parse, list) or \
                not set(parse) <= {"roles", "users", "everyone"}:
            raise Invalid(400, '{"message": "Invalid Form Body", "code": 50035}',
                          "allowed_mentions.parse is not a list of roles, users, everyone")
    return None


# ---- Google Chat: POST /v1/spaces/SPACE/messages?key=KEY&token=TOKEN ----

def google_chat(method, path, headers, body):
    if method != "POST":
        raise Invalid(405, "method not allowed")
    url = urlsplit(path)
    if not re.match(r"/v1/spaces/[^/]+/messages\Z", url.path):
        raise Invalid(404, "not a space's messages")
    if "key=" not in url.query or "token=" not in url.query:
        raise Invalid(401, "no key and token in the query")
    msg = json_object(headers, body)
    if "cardsV2" not in msg:
        nonempty_string(msg, "text", "a message without cards")
    if len(msg.get("text", "")) > 4096:
        raise Invalid(400, "text over 4096 characters")
    return None


# ---- PagerDuty Events API v2: POST /v2/enqueue ----
# routing_key (32 characters), event_action trigger, acknowledge or
# resolve; a trigger's payload has summary (at most 1024 characters),
# source and severity (critical, error, warning, info). Answers 202.

PD_SEVERITIES = ("critical", "error", "warning", "info")


def pagerduty(method, path, headers, body):
    def invalid(why):
        return Invalid(400, json.dumps({"status": "invalid event",
                                        "message": "Event object is invalid",
                                        "errors": [why]}), why)
    if method != "POST" or urlsplit(path).path != "/v2/enqueue":
        raise Invalid(404, "not the events endpoint")
    event = json_object(headers, body)
    key = event.get("routing_key")
    if not isinstance(key, str) or len(key) != 32:
        raise invalid("'routing_key' must be 32 characters")
    if event.get("event_action") not in ("trigger", "acknowledge", "resolve"):
        raise invalid("'event_action' is invalid")
    if "dedup_key" in event and (not isinstance(event["dedup_key"], str) or
                                 len(event["dedup_key"]) > 255):
        raise invalid("'dedup_key' is invalid")
    if event["event_action"] != "trigger":
        return None
    payload = event.get("payload")
    if not isinstance(payload, dict):
        raise invalid("'payload' is missing")
    summary = payload.get("summary")
    if not isinstance(summary, str) or not summary or len(summary) > 1024:
        raise invalid("'payload.summary' is missing or too long")
    if not isinstance(payload.get("source"), str) or not payload["source"]:
        raise invalid("'payload.source' is missing")
    if payload.get("severity") not in PD_SEVERITIES:
        raise invalid("'payload.severity' is invalid")
    if "timestamp" in payload and not (isinstance(payload["timestamp"], str)
                                       and ISO_8601.match(payload["timestamp"])):
        raise invalid("'payload.timestamp' is not ISO 8601")
    return None


ISO_8601 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                      r"(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})\Z")


# ---- Opsgenie Alert API: POST /v2/alerts, Authorization: GenieKey KEY ----
# message required, at most 130 characters; alias 512; description
# 15000; tags at most 20 of 50 characters; details string to string;
# priority P1 to P5. Answers 202.

def opsgenie(method, path, headers, body):
    def invalid(why):
        return Invalid(422, json.dumps({"message": why, "took": 0.001,
                                        "requestId": "test"}), why)
    if method != "POST" or urlsplit(path).path != "/v2/alerts":
        raise Invalid(404, "not the alerts endpoint")
    if not headers.get("Authorization", "").startswith("GenieKey "):
        raise Invalid(401, '{"message":"Could not authenticate","took":0.0}')
    alert = json_object(headers, body)
    message = alert.get("message")
    if not isinstance(message, str) or not message.strip():
        raise invalid("Message can not be empty.")
    if len(message) > 130:
        raise invalid("Message can not be longer than 130 characters.")
    for key, most in (("alias", 512), ("description", 15000),
                      ("entity", 512), ("source", 100), ("user", 100)):
        if key in alert and (not isinstance(alert[key], str) or
                             len(alert[key]) > most):
            raise invalid("%s must be a string of at most %d" % (key, most))
    tags = alert.get("tags", [])
    if not isinstance(tags, list) or len(tags) > 20 or \
            not all(isinstance(t, str) and len(t) <= 50 for t in tags):
        raise invalid("tags must be at most 20 strings of 50 characters")
    details = alert.get("details", {})
    if not isinstance(details, dict) or \
            not all(isinstance(v, str) for v in details.values()):
        raise invalid("details must map strings to strings")
    if "priority" in alert and alert["priority"] not in \
            ("P1", "P2", "P3", "P4", "P5"):
        raise invalid("Priority should be one of [P1, P2, P3, P4, P5]")
    return None


# ---- Elasticsearch and OpenSearch: POST [/INDEX]/_bulk ----
# NDJSON: an action line ({"index":{...}} or {"create":{...}}), then the
# document, for each; the body ends with a newline; an index comes from
# the action or the path.

def bulk(method, path, headers, body):
    def invalid(why):
        return Invalid(400, json.dumps({"error": {"root_cause": [
            {"type": "illegal_argument_exception", "reason": why}],
            "type": "illegal_argument_exception", "reason": why},
            "status": 400}), why)
    url = urlsplit(path).path
    m = re.match(r"(/([^/_][^/]*))?/_bulk\Z", url)
    if method not in ("POST", "PUT") or not m:
        raise Invalid(404, "no handler for %s %s" % (method, url))
    if content_type(headers) not in ("application/x-ndjson", "application/json"):
        raise Invalid(406, "Content-Type header [%s] is not supported"
                      % headers.get("Content-Type"))
    if not body.endswith(b"\n"):
        raise invalid("The bulk request must be terminated by a newline [\\n]")
    lines = body.decode("utf-8").split("\n")[:-1]
    if not lines:
        raise invalid("request body is required")
    if len(lines) % 2:
        raise invalid("an action without its document")
    for i in range(0, len(lines), 2):
        try:
            action = json.loads(lines[i])
            doc = json.loads(lines[i + 1])
        except ValueError as e:
            raise invalid("line %d: %s" % (i + 1, e))
        if not isinstance(action, dict) or len(action) != 1 or \
                list(action)[0] not in ("index", "create"):
            raise invalid("line %d: not an index or create action" % (i + 1))
        meta = list(action.values())[0]
        if not isinstance(meta, dict) or ("_index" not in meta and not m.group(2)):
            raise invalid("line %d: no index" % (i + 1))
        if not isinstance(doc, dict):
            raise invalid("line %d: the document is not an object" % (i + 2))
    return None


def bulk_answer(body):
    n = body.count(b"\n") // 2
    return json.dumps({"took": 1, "errors": False, "items": [
        {"index": {"_id": str(i), "status": 201, "result": "created"}}
        for i in range(n)]})


# ---- Splunk HTTP Event Collector: POST /services/collector[/event] ----
# Authorization: Splunk TOKEN; one or more event objects, one after the
# other; each has a non-empty "event"; "time" is epoch seconds, a number
# or a string of one.

def splunk_hec(method, path, headers, body):
    def invalid(text, code, n=None):
        answer = {"text": text, "code": code}
        if n is not None:
            answer["invalid-event-number"] = n
        return Invalid(400, json.dumps(answer), text)
    if method != "POST" or urlsplit(path).path not in \
            ("/services/collector", "/services/collector/event"):
        raise Invalid(404, '{"text":"The requested URL was not found on this server.","code":404}')
    if not headers.get("Authorization", "").startswith("Splunk "):
        raise Invalid(401, '{"text":"Token is required","code":2}')
    text = body.decode("utf-8")
    decoder = json.JSONDecoder()
    i, n = 0, 0
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i == len(text):
            break
        try:
            event, i = decoder.raw_decode(text, i)
        except ValueError:
            raise invalid("Invalid data format", 6, n)
        if not isinstance(event, dict):
            raise invalid("Invalid data format", 6, n)
        if "event" not in event:
            raise invalid("Event field is required", 12, n)
        if event["event"] in (None, ""):
            raise invalid("Event field cannot be blank", 13, n)
        t = event.get("time")
        if t is not None and not (isinstance(t, (int, float)) and
                                  not isinstance(t, bool) or
                                  isinstance(t, str) and re.match(r"[0-9]+(\.[0-9]+)?\Z", t)):
            raise invalid("Invalid data format", 6, n)
        n += 1
    if n == 0:
        raise invalid("No data", 5)
    return None


# ---- helpers ----

def json_object(headers, body):
    if content_type(headers) != "application/json":
        raise Invalid(415, "Content-Type %r is not application/json"
                      % headers.get("Content-Type"))
    obj = parse_json(body)
    if not isinstance(obj, dict):
        raise Invalid(400, "the body is not a JSON object")
    return obj


def nonempty_string(obj, key, where):
    if not isinstance(obj.get(key), str) or not obj[key]:
        raise Invalid(400, "%s: no %s" % (where, key))


KINDS = {
    "loki": loki,
    "teams": teams,
    "discord": discord,
    "google-chat": google_chat,
    "pagerduty": pagerduty,
    "opsgenie": opsgenie,
    "bulk": bulk,
    "splunk-hec": splunk_hec,
}

# a target's answer to a valid request, when the test scripts none
ANSWERS = {
    "teams": lambda body: "",
    "pagerduty": lambda body: json.dumps({"status": "success",
                                          "message": "Event processed",
                                          "dedup_key": "test"}),
    "opsgenie": lambda body: json.dumps({"result": "Request will be processed",
                                         "took": 0.1, "requestId": "test"}),
    "bulk": bulk_answer,
    "splunk-hec": lambda body: '{"text":"Success","code":0}',
}


def validate(kind, method, path, headers, body):
    try:
        return KINDS[kind](method, path, headers, body)
    except Invalid as e:
        return (e.status, e.answer, e.reason)


def answer(kind, body):
    """The target's own answer body to a valid request, or None."""
    make = ANSWERS.get(kind)
    return make(body) if make is not None else None
