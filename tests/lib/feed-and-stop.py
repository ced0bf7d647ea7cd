#!/usr/bin/env python3
"""Feed numbered alerts into a program through a pipe, signal it
mid-stream, and record exactly which alerts it took from the pipe.

usage: feed-and-stop.py [--signal NAME] [--after N] [--template FILE]
                        CONSUMED -- COMMAND [ARG ...]

COMMAND runs with its standard input the read end of a pipe; its
standard output and error are ours. Alerts are the template line (the
first line of FILE, default a small built-in alert) with a member
"n":K inserted first, K = 1, 2, ... Once N alerts (default 2000) have
been written and COMMAND has read some of them, the signal (default
TERM) is sent, and writing goes on,
as Falco would, until COMMAND exits. The pipe's read end stays open
here too, so nothing written is ever refused: what COMMAND did not read
is still in the pipe when it exits, and is read back. The alerts that
left the pipe (everything written minus what is still in it) go to
CONSUMED, one a line, in order; they are whole lines, since a program
finishes the line it is in the middle of. Exits with COMMAND's status
(128+N for a signal).
"""
import array
import fcntl
import os
import select
import signal
import subprocess
import sys
import termios
import time

DEFAULT = ('{"output":"x","priority":"Warning","rule":"Feed",'
           '"time":"2026-11-30T00:00:00.000000000Z","output_fields":'
           '{"evt.time":1764460800000000000,"k8s.ns.name":"demo"}}')


def unread_bytes(fd):
    n = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, n, True)
    return n[0]


def main():
    args = sys.argv[1:]
    sig, after, template = "TERM", 2000, DEFAULT
    while args and args[0].startswith("--") and args[0] != "--":
        opt = args.pop(0)
        if opt == "--signal":
            sig = args.pop(0)
        elif opt == "--after":
            after = int(args.pop(0))
        elif opt == "--template":
            with open(args.pop(0)) as f:
                template = f.readline().rstrip("\n")
        else:
            sys.exit("feed-and-stop: unknown option " + opt)
    consumed_path = args.pop(0)
    if args.pop(0) != "--":
        sys.exit("feed-and-stop: expected -- before the command")
    read_end, write_end = os.pipe()
    child = subprocess.Popen(args, stdin=read_end)
    fcntl.fcntl(write_end, fcntl.F_SETFL,
                fcntl.fcntl(write_end, fcntl.F_GETFL) | os.O_NONBLOCK)
    written = []
    pending = b""
    n = 0
    signalled = False
    while child.poll() is None:
        if not pending:
            n += 1
            pending = (template.replace("{", '{"n":%d,' % n, 1) + "\n").encode()
        try:
            k = os.write(write_end, pending)
        except BlockingIOError:
            select.select([], [write_end], [], 0.01)
            continue
        if k == len(pending):
            written.append(pending)
            pending = b""
        else:
            # a line is written whole or the rest waits: never interleaved
            written.append(pending[:k])
            pending = pending[k:]
        if not signalled and n >= after and not pending and \
                unread_bytes(read_end) < sum(map(len, written)):
            # it is running and reading: a signal before its handlers are
            # in place would prove nothing
            child.send_signal(getattr(signal, "SIG" + sig))
            signalled = True
        if signalled and n % 50 == 0:
            time.sleep(0.001)
    status = child.wait()
    fcntl.fcntl(read_end, fcntl.F_SETFL,
                fcntl.fcntl(read_end, fcntl.F_GETFL) | os.O_NONBLOCK)
    unread = b""
    while True:
        try:
            chunk = os.read(read_end, 65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        unread += chunk
    data = b"".join(written)
    taken = data[:len(data) - len(unread)]
    if not taken.endswith(b"\n") and taken:
        sys.stderr.write("feed-and-stop: the program took part of a line\n")
        status = 99 if status == 0 else status
    with open(consumed_path, "wb") as f:
        f.write(taken)
    if not signalled:
        sys.stderr.write("feed-and-stop: the program ended before the signal\n")
        sys.exit(98)
    sys.exit(status if status >= 0 else 128 - status)


if __name__ == "__main__":
    main()
