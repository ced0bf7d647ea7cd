#!/usr/bin/env python3
"""Indent JSON lines as a pretty-printer would, keeping every token's
bytes: jq and json.tool re-encode numbers (evt.time loses digits) and
strings (escapes change), which would hide the very changes a test looks
for. Each line of standard input (one JSON value) becomes an indented
value on standard output; values are separated by an empty line.

usage: json-indent.py [INDENT] < NDJSON
"""
import sys


def tokens(text):
    i = 0
    while i < len(text):
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            yield text[i:j + 1]
            i = j + 1
        elif c in "{}[]:,":
            yield c
            i += 1
        else:
            j = i
            while j < len(text) and text[j] not in " \t\r\n{}[]:,":
                j += 1
            yield text[i:j]
            i = j


def indent(text, step):
    toks = list(tokens(text))
    out, depth = [], 0
    for i, tok in enumerate(toks):
        empty = tok in "{[" and i + 1 < len(toks) and toks[i + 1] in "}]"
        if tok in "}]":
            depth -= 1
            if toks[i - 1] not in "{[":
                out.append("\n" + step * depth)
            out.append(tok)
        elif tok in "{[":
            out.append(tok)
            depth += 1
            if not empty:
                out.append("\n" + step * depth)
        elif tok == ",":
            out.append(",\n" + step * depth)
        elif tok == ":":
            out.append(": ")
        else:
            out.append(tok)
    return "".join(out)


def main():
    step = " " * int(sys.argv[1]) if len(sys.argv) > 1 else "  "
    data = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
    values = [line for line in data.split("\n") if line.strip()]
    sys.stdout.buffer.write("\n\n".join(indent(v, step) for v in values)
                            .encode("utf-8", "surrogateescape") + b"\n")


main()
