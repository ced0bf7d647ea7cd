#!/usr/bin/python3
"""example-options.py BUILD FILE...: every falco-pipes command line written
in the files (units, routes, shell in comments, YAML strings and Kubernetes
command lists) uses only options that its program's --help lists. Prints
one line per option that is not there; programs not in BUILD are not
checked (their names go to stderr). Exit 1 if an option is missing."""
import os
import re
import subprocess
import sys

import yaml

PROGRAM = re.compile(r"(?<![\w/.-])(falco-(?:filter|route|slack|netpol|prom|loki|listen|webhook))(?![\w.-])")
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])")


def logical_lines(text):
    """Lines with their backslash continuations (also in comments) joined."""
    out, cur = [], ""
    for line in text.splitlines():
        if cur:
            line = re.sub(r"^\s*#?\s*", "", line)
        if line.rstrip().endswith("\\"):
            cur += line.rstrip()[:-1] + " "
            continue
        out.append(cur + line)
        cur = ""
    if cur:
        out.append(cur)
    return out


def command_lists(node):
    """Kubernetes container commands and args, one string each."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("command", "args") and isinstance(value, list):
                yield " ".join(str(v) for v in value)
            else:
                yield from command_lists(value)
    elif isinstance(node, list):
        for value in node:
            yield from command_lists(value)


def uses(text):
    """(program, option) for each option after a program's name, up to
    the next pipe, semicolon, redirection or end of the line."""
    for line in text:
        for m in PROGRAM.finditer(line):
            rest = re.split(r"[|;&>]|\)\s*$|[\"']\s*$", line[m.end():])[0]
            # an option's argument may be a quoted string holding words
            rest = re.sub(r"'[^']*'|\"[^\"]*\"", " ", rest)
            for opt in OPTION.findall(rest):
                yield m.group(1), opt


def main():
    build, files = sys.argv[1], sys.argv[2:]
    helps, missing, unchecked = {}, 0, set()
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        lines = logical_lines(text)
        if path.endswith((".yaml", ".yml")):
            try:
                docs = list(yaml.safe_load_all(text))
            except yaml.YAMLError:
                docs = []
            lines += list(command_lists(docs))
        for prog, opt in sorted(set(uses(lines))):
            exe = os.path.join(build, prog)
            if not os.access(exe, os.X_OK):
                unchecked.add(prog)
                continue
            if prog not in helps:
                helps[prog] = subprocess.run([exe, "--help"], capture_output=True,
                                             text=True, check=False).stdout
            pattern = (rf"(?m)^\s*(-\w, )?{re.escape(opt)}\b" if opt.startswith("--")
                       else rf"(?m)^\s*{re.escape(opt)},")
            if not re.search(pattern, helps[prog]):
                print(f"{path}: {prog} {opt}: not in {prog} --help")
                missing += 1
    for prog in sorted(unchecked):
        print(f"example-options: {prog} is not built: not checked", file=sys.stderr)
    return 1 if missing else 0


sys.exit(main())
