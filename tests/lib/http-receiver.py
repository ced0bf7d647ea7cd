#!/usr/bin/env python3
"""A recording HTTP receiver for the tests of every program that posts:
a Slack incoming webhook, Loki's push API, a generic webhook.

usage: http-receiver.py DIR [--tls CERT KEY [--client-ca FILE]] [--validate KIND]
                        [--require-header 'NAME: VALUE' ...]
                        [--max-body BYTES] [ANSWER ...]

Listens on 127.0.0.1, on a port of the kernel's choosing, written to
DIR/port once ready. Every request is recorded before it is answered:
DIR/N.body (the body as received) and DIR/N.head (method, path, then the
headers), and a line "N METHOD STATUS SECONDS" appended to DIR/log, where
SECONDS is the monotonic clock when the request's headers were read.

Answers are given in order, one per request; the last one repeats
(default "200:ok"). An answer is STATUS[:BODY][@RETRY_AFTER], "hang"
(wait 30 seconds without answering, past any client timeout), "flood"
(200 and a chunked body of "x" that never ends, until the client goes or
60 seconds pass: a broken or hostile server), "pad=N,ANSWER" (ANSWER
with N bytes of "x" before its BODY) or "hold"
(answer 200 ok only once the file DIR/release exists, waiting at most 120
seconds: the test decides when the webhook answers) or "drop" (close the
connection without an answer). A BODY that starts
with "{" is sent as application/json, any other as text/plain.

With --client-ca (after --tls) a client must present a certificate
signed by that CA, or the TLS handshake fails and nothing is recorded.

Checks, made before the scripted answer, which they replace when they
fail (a target's own error answer; the reason is written to DIR/N.invalid):
--validate KIND checks each request as the target KIND would (see
http_validators.py: loki, and the webhook targets); --require-header
(repeatable) answers 401 unless the request has the header with exactly
that value; --max-body answers 413 to a body longer than BYTES as
received. A 2xx answer scripted without a BODY gets the target's own
answer to a valid request (Elasticsearch's items, PagerDuty's "success"). A body sent with Content-Encoding: gzip or deflate is also
written decoded, to DIR/N.plain; every other body is written there as it
came.
"""
import http.server
import os
import ssl
import sys
import threading
import time
import zlib

# no __pycache__ beside the tests
sys.dont_write_bytecode = True
import http_validators  # noqa: E402

lock = threading.Lock()
state = {"count": 0}
checks = {"validate": None, "headers": [], "max_body": None}


def parse_answer(text):
    if text in ("hang", "hold", "drop", "flood"):
        return (text, None, None)
    if text.startswith("pad="):
        pad, _, text = text[4:].partition(",")
        status, body, retry_after = parse_answer(text)
        return (status, "x" * int(pad) + (body or ""), retry_after)
    retry_after = None
    if "@" in text:
        text, retry_after = text.split("@", 1)
    status, _, body = text.partition(":")
    return (int(status), body, retry_after)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body leave in one write: two small writes meet the
    # client's delayed ACK and cost 40 ms a request
    wbufsize = 65536

    def log_message(self, fmt, *args):
        pass

    def record(self, body):
        with lock:
            state["count"] += 1
            n = state["count"]
        with open(os.path.join(outdir, "%d.body" % n), "wb") as f:
            f.write(body)
        with open(os.path.join(outdir, "%d.head" % n), "w") as f:
            f.write("%s %s\n" % (self.command, self.path))
            for name, value in self.headers.items():
                f.write("%s: %s\n" % (name, value))
        try:
            plain = self.decode(body)
        except zlib.error:
            plain = body
        with open(os.path.join(outdir, "%d.plain" % n), "wb") as f:
            f.write(plain)
        return n

    def decode(self, body):
        encoding = self.headers.get("Content-Encoding", "").lower()
        if encoding == "gzip":
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            return zlib.decompress(body)
        return body

    def check(self, body):
        """None, or (status, text, reason) when the request fails a check."""
        for name, value in checks["headers"]:
            if self.headers.get(name) != value:
                return (401, "missing or wrong %s" % name,
                        "header %s is not %r" % (name, value))
        if checks["max_body"] is not None and len(body) > checks["max_body"]:
            return (413, "request body too large",
                    "body of %d bytes" % len(body))
        try:
            plain = self.decode(body)
        except zlib.error as e:
            return (400, "bad compressed body", "cannot decode: %s" % e)
        self.plain = plain
        if checks["validate"] is None:
            return None
        return http_validators.validate(checks["validate"], self.command,
                                        self.path, self.headers, plain)

    def handle_any(self):
        arrived = time.monotonic()
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        n = self.record(body)
        status, text, retry_after = answers[min(n, len(answers)) - 1]
        failed = self.check(body)
        if failed is not None:
            status, text, reason = failed
            retry_after = None
            with open(os.path.join(outdir, "%d.invalid" % n), "w") as f:
                f.write(reason + "\n")
        elif checks["validate"] is not None and not text and \
                isinstance(status, int) and 200 <= status <= 299:
            text = http_validators.answer(checks["validate"], self.plain)
        with open(os.path.join(outdir, "log"), "a") as f:
            f.write("%d %s %s %.6f\n" % (n, self.command, status, arrived))
        if status == "hang":
            self.wfile.flush()
            time.sleep(30)
            self.close_connection = True
            return
        if status == "drop":
            self.close_connection = True
            return
        if status == "flood":
            self.flood()
            return
        if status == "hold":
            release = os.path.join(outdir, "release")
            deadline = time.monotonic() + 120
            while not os.path.exists(release) and time.monotonic() < deadline:
                time.sleep(0.01)
            status, text = 200, "ok"
        data = (text or "").encode()
        self.send_response(status)
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        if data.startswith(b"{"):
            self.send_header("Content-Type", "application/json")
        else:
            self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def flood(self):
        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                self.wfile.write(chunk)
        except OSError:
            pass
        self.close_connection = True

    do_POST = handle_any
    do_GET = handle_any
    do_PUT = handle_any
    do_PATCH = handle_any
    do_DELETE = handle_any


def main():
    global outdir, answers
    args = sys.argv[1:]
    outdir = args.pop(0)
    tls = None
    client_ca = None
    while args and args[0].startswith("--"):
        option = args.pop(0)
        if option == "--tls":
            tls = (args.pop(0), args.pop(0))
        elif option == "--client-ca":
            client_ca = args.pop(0)
        elif option == "--validate":
            checks["validate"] = args.pop(0)
            if checks["validate"] not in http_validators.KINDS:
                sys.exit("http-receiver: --validate: unknown kind %r"
                         % checks["validate"])
        elif option == "--require-header":
            name, _, value = args.pop(0).partition(":")
            checks["headers"].append((name.strip(), value.strip()))
        elif option == "--max-body":
            checks["max_body"] = int(args.pop(0))
        else:
            sys.exit("http-receiver: unknown option %r" % option)
    answers = [parse_answer(a) for a in args] or [parse_answer("200:ok")]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls[0], tls[1])
        if client_ca:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(client_ca)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    tmp = os.path.join(outdir, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_port)
    os.rename(tmp, os.path.join(outdir, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
