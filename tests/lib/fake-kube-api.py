#!/usr/bin/env python3
"""A fake Kubernetes API server for the falco-netpol tests.

HTTPS on 127.0.0.1 (port 0; the chosen port is written to --port-file),
with a test CA: bearer tokens or client certificates (signed by that CA)
map to users. With --plain it speaks plain HTTP instead, and with
--anonymous USER a request without credentials is USER's: together, what
`kubectl proxy` looks like from its side (http://127.0.0.1:8001, no auth). It keeps state (namespaces, pods, workloads,
NetworkPolicies) loaded from a JSON file, answers as the real API server
does (201 with uid/resourceVersion/creationTimestamp, 409 AlreadyExists,
401, 403, 404, 415, 422 as Status objects with the key order and
messages of reference section 7.3, dryRun=All), records every request
as one JSON line in --log, and writes its objects to --dump after each
change.

State file keys: namespaces [names]; tokens {token: user};
certs {common name: user}; forbid ["VERB RESOURCE", ...] refused for
everybody; pods, replicasets, deployments, statefulsets, daemonsets,
jobs, networkpolicies [objects]; faults [{method, resource, status,
reason, retry_after, times}] answered before anything else, times times
(reason defaults from the status; status "drop" closes the connection
with no answer, as a crashed or restarting server does). A fault with
"touch" (a merge patch) instead of "status" is another writer: just
before the matching request is handled, the object it names is changed
by that patch and given a new resourceVersion, so a write that carries
the resourceVersion read earlier gets the server's own 409 Conflict. A
fault with "mutate" (a merge patch) is a mutating admission webhook: a
matching create or update is stored, and answered, with that patch
applied.

Updates (PUT, and patches that carry metadata.resourceVersion) are
conditional as on the real server: a resourceVersion that is not the
stored one is answered 409 Conflict; PUT without one is unconditional,
as NetworkPolicy allows; PUT of a missing object is 404 (no create on
update); a body naming another object than the URL is 400.
"""

import argparse
import copy
import datetime
import json
import os
import re
import ssl
import sys
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GROUPS = {
    "pods": ("", "v1", "Pod"),
    "networkpolicies": ("networking.k8s.io", "v1", "NetworkPolicy"),
    "replicasets": ("apps", "v1", "ReplicaSet"),
    "deployments": ("apps", "v1", "Deployment"),
    "statefulsets": ("apps", "v1", "StatefulSet"),
    "daemonsets": ("apps", "v1", "DaemonSet"),
    "jobs": ("batch", "v1", "Job"),
}
VERBS = {"GET": "get", "POST": "create", "PUT": "update",
         "PATCH": "patch", "DELETE": "delete"}
SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case "
                 "alphanumeric characters, '-' or '.', and must start and end "
                 "with an alphanumeric character (e.g. 'example.com', regex "
                 "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?"
                 "(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")

LOCK = threading.Lock()


def status(code, reason, message, details=None):
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": message, "reason": reason}
    if details is not None:
        body["details"] = details
    body["code"] = code
    return code, body


def group_resource(resource):
    group = GROUPS[resource][0]
    return resource + "." + group if group else resource


def details_for(resource, name=None, kind=None):
    d = {}
    if name:
        d["name"] = name
    group = GROUPS[resource][0]
    if group:
        d["group"] = group
    d["kind"] = kind or resource
    return d


def not_found(resource, name):
    return status(404, "NotFound",
                  '%s "%s" not found' % (group_resource(resource), name),
                  details_for(resource, name))


def invalid(resource, name, field, value, message):
    kind = GROUPS[resource][2]
    group = GROUPS[resource][0]
    qualified = kind + "." + group if group else kind
    cause = "%s: Invalid value: %s: %s" % (field, json.dumps(value), message)
    details = {"name": name}
    if group:
        details["group"] = group
    details["kind"] = kind
    details["causes"] = [{"reason": "FieldValueInvalid",
                          "message": "Invalid value: %s: %s" % (json.dumps(value), message),
                          "field": field}]
    return status(422, "Invalid", '%s "%s" is invalid: %s' % (qualified, name, cause),
                  details)


def conflict(resource, name):
    return status(409, "Conflict",
                  'Operation cannot be fulfilled on %s "%s": the object has been '
                  'modified; please apply your changes to the latest version and '
                  'try again' % (group_resource(resource), name),
                  details_for(resource, name))


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    out = dict(target)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def json_patch(target, ops):
    out = copy.deepcopy(target)
    for op in ops:
        parts = [p.replace("~1", "/").replace("~0", "~")
                 for p in op["path"].split("/")[1:]]
        parent = out
        for p in parts[:-1]:
            parent = parent[p]
        last = parts[-1]
        if op["op"] == "add":
            parent[last] = op["value"]
        elif op["op"] == "replace":
            if last not in parent:
                raise KeyError(last)
            parent[last] = op["value"]
        elif op["op"] == "remove":
            del parent[last]
        else:
            raise KeyError(op["op"])
    return out


class State:
    def __init__(self, data):
        self.data = data
        self.objects = {}
        self.version = 1000
        for resource in GROUPS:
            for obj in data.get(resource, []):
                meta = obj.setdefault("metadata", {})
                self.stamp(obj)
                self.objects[(resource, meta["namespace"], meta["name"])] = obj
        self.faults = data.get("faults", [])

    def stamp(self, obj, fresh=False):
        meta = obj["metadata"]
        self.version += 1
        if fresh or "uid" not in meta:
            meta["uid"] = str(uuid.uuid4())
        meta["resourceVersion"] = str(self.version)
        if fresh or "creationTimestamp" not in meta:
            meta["creationTimestamp"] = datetime.datetime.now(
                datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def dump(self, path):
        out = {resource: [] for resource in GROUPS}
        for (resource, _, _), obj in sorted(self.objects.items()):
            out[resource].append(obj)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(out, f, indent=1, sort_keys=True)
        os.replace(tmp, path)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.handle_api()

    def do_POST(self):
        self.handle_api()

    def do_PATCH(self):
        self.handle_api()

    def do_PUT(self):
        self.handle_api()

    def do_DELETE(self):
        self.handle_api()

    def reply(self, code, body, headers=None):
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def user(self):
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return self.server.state.data.get("tokens", {}).get(auth[7:])
        cert = self.connection.getpeercert() if self.server.tls else None
        if not auth and not cert and self.server.anonymous:
            return self.server.anonymous
        if cert:
            for rdn in cert.get("subject", ()):
                for key, value in rdn:
                    if key == "commonName":
                        return self.server.state.data.get("certs", {}).get(value)
        return None

    def record(self, url, body_text, user):
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        try:
            body = json.loads(body_text) if body_text else None
        except ValueError:
            body = body_text
        entry = {"method": self.command, "path": url.path, "query": query,
                 "user": user, "content_type": self.headers.get("Content-Type"),
                 "body": body}
        with open(self.server.log, "a") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")
        return query

    def handle_api(self):
        length = int(self.headers.get("Content-Length") or 0)
        body_text = self.rfile.read(length).decode() if length else ""
        url = urllib.parse.urlsplit(self.path)
        with LOCK:
            user = self.user()
            query = self.record(url, body_text, user)
            answer = self.answer(url.path, query, body_text, user)
            if answer is None:
                self.close_connection = True
                return
            code, body, headers = answer
            if self.command != "GET" and 200 <= code < 300 and query.get("dryRun") != "All":
                self.server.state.dump(self.server.dump)
        self.reply(code, body, headers)

    def touch(self, ns, resource, name):
        """Another writer changes the object just before this request."""
        state = self.server.state
        for f in state.faults:
            if "touch" not in f or f.get("times", 0) <= 0:
                continue
            if f.get("method", self.command) != self.command:
                continue
            if f.get("resource", resource) != resource:
                continue
            obj = state.objects.get((resource, ns, name))
            if obj is None:
                continue
            f["times"] -= 1
            new = merge_patch(obj, f["touch"])
            state.stamp(new)
            state.objects[(resource, ns, name)] = new
            state.dump(self.server.dump)
            return

    def admit(self, resource, obj):
        """What a mutating admission webhook makes of an object written."""
        for f in self.server.state.faults:
            if "mutate" not in f or f.get("times", 0) <= 0:
                continue
            if f.get("method", self.command) != self.command:
                continue
            if f.get("resource", resource) != resource:
                continue
            f["times"] -= 1
            obj = merge_patch(obj, f["mutate"])
        return obj

    def fault(self, resource):
        for f in self.server.state.faults:
            if f.get("times", 0) <= 0 or "touch" in f or "mutate" in f:
                continue
            if f.get("method", self.command) != self.command:
                continue
            if f.get("resource", resource) != resource:
                continue
            f["times"] -= 1
            if f["status"] == "drop":
                return "drop"
            reason = f.get("reason") or {
                422: "Invalid", 429: "TooManyRequests",
                503: "ServiceUnavailable"}.get(f["status"], "InternalError")
            code, body = status(f["status"], reason, "fault injected by the test")
            headers = {}
            if "retry_after" in f:
                headers["Retry-After"] = str(f["retry_after"])
            return code, body, headers
        return None

    def answer(self, path, query, body_text, user):
        m = re.match(r"^/api/v1/namespaces/([^/]+)/([^/]+)(?:/([^/]+))?$", path) or \
            re.match(r"^/apis/[^/]+/v1/namespaces/([^/]+)/([^/]+)(?:/([^/]+))?$", path)
        if user is None:
            return status(401, "Unauthorized", "Unauthorized") + ({},)
        if not m or m.group(2) not in GROUPS:
            return status(404, "NotFound",
                          "the server could not find the requested resource",
                          {}) + ({},)
        ns, resource, name = m.group(1), m.group(2), m.group(3)
        verb = VERBS.get(self.command, self.command.lower())
        if "%s %s" % (verb, resource) in self.server.state.data.get("forbid", []):
            group = GROUPS[resource][0]
            message = '%s %sis forbidden: User "%s" cannot %s resource "%s" in API group "%s" in the namespace "%s"' % (
                group_resource(resource), '"%s" ' % name if name else "", user,
                verb, resource, group, ns)
            return status(403, "Forbidden", message,
                          details_for(resource, name)) + ({},)
        self.touch(ns, resource, name)
        injected = self.fault(resource)
        if injected == "drop":
            return None
        if injected:
            return injected
        dry = query.get("dryRun")
        if dry is not None and dry != "All":
            return status(422, "Invalid",
                          'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["%s"]: supported values: "All"' % dry) + ({},)
        handler = {"GET": self.get, "POST": self.post, "PATCH": self.patch,
                   "PUT": self.put, "DELETE": self.delete}.get(self.command)
        if handler is None:
            return status(405, "MethodNotAllowed", "method not allowed") + ({},)
        return handler(ns, resource, name, body_text, dry == "All") + ({},)

    def get(self, ns, resource, name, body_text, dry):
        obj = self.server.state.objects.get((resource, ns, name))
        if obj is None:
            return not_found(resource, name)
        return 200, obj

    def post(self, ns, resource, name, body_text, dry):
        state = self.server.state
        if name:
            return status(405, "MethodNotAllowed", "method not allowed")
        try:
            obj = json.loads(body_text)
        except ValueError as e:
            return status(400, "BadRequest", "error decoding body: %s" % e)
        meta = obj.setdefault("metadata", {})
        if meta.get("namespace", ns) != ns:
            return status(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request")
        meta["namespace"] = ns
        new_name = meta.get("name", "")
        if not SUBDOMAIN.match(new_name) or len(new_name) > 253:
            return invalid(resource, new_name, "metadata.name", new_name, SUBDOMAIN_MSG)
        if ns not in state.data.get("namespaces", []):
            return status(404, "NotFound", 'namespaces "%s" not found' % ns,
                          {"name": ns, "kind": "namespaces"})
        if (resource, ns, new_name) in state.objects:
            return status(409, "AlreadyExists", '%s "%s" already exists' % (
                group_resource(resource), new_name), details_for(resource, new_name))
        obj = self.admit(resource, copy.deepcopy(obj))
        state.stamp(obj, fresh=True)
        obj["metadata"]["generation"] = 1
        if not dry:
            state.objects[(resource, ns, new_name)] = obj
        return 201, obj

    def put(self, ns, resource, name, body_text, dry):
        state = self.server.state
        if not name:
            return status(405, "MethodNotAllowed", "method not allowed")
        try:
            obj = json.loads(body_text)
        except ValueError as e:
            return status(400, "BadRequest", "error decoding body: %s" % e)
        meta = obj.setdefault("metadata", {})
        if meta.get("namespace", ns) != ns:
            return status(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request")
        if meta.get("name") != name:
            return status(400, "BadRequest", "the name of the object (%s) does not match the name on the URL (%s)" % (meta.get("name"), name))
        old = state.objects.get((resource, ns, name))
        if old is None:
            return not_found(resource, name)
        version = meta.get("resourceVersion")
        if version and version != old["metadata"]["resourceVersion"]:
            return conflict(resource, name)
        new = self.admit(resource, copy.deepcopy(obj))
        new["metadata"]["namespace"] = ns
        for kept in ("uid", "creationTimestamp"):
            new["metadata"][kept] = old["metadata"][kept]
        generation = old["metadata"].get("generation", 1)
        if new.get("spec") != old.get("spec"):
            generation += 1
        new["metadata"]["generation"] = generation
        if dry:
            new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        else:
            state.stamp(new)
            state.objects[(resource, ns, name)] = new
        return 200, new

    def patch(self, ns, resource, name, body_text, dry):
        state = self.server.state
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if kind not in ("application/merge-patch+json",
                        "application/strategic-merge-patch+json",
                        "application/json-patch+json"):
            return status(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json")
        obj = state.objects.get((resource, ns, name))
        if obj is None:
            return not_found(resource, name)
        try:
            patch = json.loads(body_text)
            version = None
            if isinstance(patch, dict):
                version = (patch.get("metadata") or {}).get("resourceVersion")
            if version and version != obj["metadata"]["resourceVersion"]:
                return conflict(resource, name)
            if kind == "application/json-patch+json":
                new = json_patch(obj, patch)
            else:
                new = merge_patch(obj, patch)
        except (ValueError, KeyError, TypeError):
            return status(422, "Invalid", "the server rejected our request due to an error in our request")
        for key, value in (new.get("metadata", {}).get("labels") or {}).items():
            if not isinstance(value, str) or (value and not LABEL_NAME.match(value)) or len(value) > 63:
                return invalid(resource, name, "metadata.labels", value,
                               "a valid label must be an empty string or consist of alphanumeric characters")
        if not dry:
            state.stamp(new)
            state.objects[(resource, ns, name)] = new
        return 200, new

    def delete(self, ns, resource, name, body_text, dry):
        state = self.server.state
        obj = state.objects.get((resource, ns, name))
        if obj is None:
            return not_found(resource, name)
        if not dry:
            del state.objects[(resource, ns, name)]
        return 200, obj


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--state", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--dump", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--ca")
    parser.add_argument("--plain", action="store_true",
                        help="plain HTTP, as kubectl proxy serves")
    parser.add_argument("--anonymous", metavar="USER",
                        help="the user of a request without credentials")
    args = parser.parse_args()
    if not args.plain and not (args.cert and args.key and args.ca):
        parser.error("--cert, --key and --ca are needed without --plain")

    with open(args.state) as f:
        state = State(json.load(f))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.tls = not args.plain
    server.anonymous = args.anonymous
    if server.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        context.load_verify_locations(args.ca)
        context.verify_mode = ssl.CERT_OPTIONAL
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.state = state
    server.log = args.log
    server.dump = args.dump
    open(args.log, "a").close()
    state.dump(args.dump)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
