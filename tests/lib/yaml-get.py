#!/usr/bin/python3
"""yaml-get.py FILE [PATH]: print the value at PATH of a YAML file, a
string as it is and anything else as JSON with sorted keys. PATH is keys
and list indexes joined by slashes (keys such as falco_rules.local.yaml
hold dots); a file of several documents is a list of them. Without PATH,
the whole file. Exit 1 if PATH is not there. For tests/examples.bats,
with Debian's python3-yaml."""
import json
import sys

import yaml


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    value = docs[0] if len(docs) == 1 else docs
    for key in sys.argv[2].split("/") if len(sys.argv) > 2 else []:
        try:
            value = value[int(key)] if isinstance(value, list) else value[key]
        except (KeyError, IndexError, ValueError, TypeError):
            print(f"yaml-get: {sys.argv[1]}: no {sys.argv[2]}", file=sys.stderr)
            return 1
    print(value if isinstance(value, str) else json.dumps(value, sort_keys=True))
    return 0


sys.exit(main())
