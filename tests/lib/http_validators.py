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


KINDS = {
    "loki": loki,
}


def validate(kind, method, path, headers, body):
    try:
        return KINDS[kind](method, path, headers, body)
    except Invalid as e:
        return (e.status, e.answer, e.reason)
