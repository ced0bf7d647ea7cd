#!/usr/bin/env python3
"""Whether a server keeps to its connection limit.

usage: held-connections.py PORT N REQUEST_FILE

Opens N connections to 127.0.0.1:PORT that send nothing, then one more
that sends the bytes of REQUEST_FILE (a whole HTTP request). Prints
"waiting" when no answer came within a second while the N were held,
else the answer's status line; then closes one of the N and prints the
status line that comes within 10 seconds ("no answer" if none).
"""
import select
import socket
import sys


def status_line(sock, seconds):
    ready, _, _ = select.select([sock], [], [], seconds)
    if not ready:
        return None
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n", 1)[0].decode(errors="replace")


def main():
    port, n, request_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    with open(request_file, "rb") as f:
        request = f.read()
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
    extra = socket.create_connection(("127.0.0.1", port))
    extra.sendall(request)
    print(status_line(extra, 1.0) or "waiting")
    held.pop().close()
    print(status_line(extra, 10.0) or "no answer")
    for s in held:
        s.close()
    extra.close()


if __name__ == "__main__":
    main()
