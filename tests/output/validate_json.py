#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Validates evtrace's JSON output against its schemas (docs/schema/).

usage: validate_json.py report|bench|events FILE...

  report   `evtrace run/attach --json` (docs/schema/report.schema.json)
  bench    `evtrace bench --json` (docs/schema/bench.schema.json)
  events   `evtrace run/attach --events`: JSON Lines, every line one record
           (docs/schema/events.schema.json); an empty file is valid

Stricter than Python's json module alone: NaN/Infinity and duplicate keys
are errors (evtrace never writes them; other readers reject them).
Prints one line per problem (FILE[:LINE]: PATH: MESSAGE, at most 20 per
file) and exits 1 when any file is invalid, 2 on bad usage; silent and 0
when every file is valid.
"""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("validate_json: python3-jsonschema is missing (make deps installs it)", file=sys.stderr)
    sys.exit(2)

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "schema")
KINDS = ("report", "bench", "events")
MAX_ERRORS = 20


def strict_pairs(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError("duplicate key %r" % k)
        obj[k] = v
    return obj


def no_constant(name):
    raise ValueError("%s is not JSON" % name)


def parse(text):
    return json.loads(text, object_pairs_hook=strict_pairs, parse_constant=no_constant)


def validator(kind):
    with open(os.path.join(SCHEMA_DIR, kind + ".schema.json")) as f:
        schema = json.load(f)
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)
    return cls(schema)


def where(err):
    return "/" + "/".join(str(p) for p in err.absolute_path)


def check_doc(v, doc, label, out):
    errs = sorted(v.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    for e in errs:
        out.append("%s: %s: %s" % (label, where(e), e.message))
    return not errs


# The accounting identity (bpf/evtrace.h): per mechanism, sends (+ carried)
# = the ways they left; timerfd's coalesced expirations are no sends.
EXITS = ("events", "coalesced", "lost", "rearmed", "forwarded", "default_action", "in_flight")


def check_accounting(doc, label, out):
    """Every mechanism of a report that carries the accounting closes it,
    recomputed from its counters (not only its "closes" flag)."""
    mechs = doc.get("mechanisms") if isinstance(doc, dict) else None
    for name, m in (mechs or {}).items():
        if not isinstance(m, dict) or "accounting" not in m:
            continue
        a = m["accounting"]
        sends = m.get("sends", 0) + m.get("carried", 0)
        exits = sum(m.get(k, 0) for k in EXITS if not (name == "timerfd" and k == "coalesced"))
        terms = ", ".join("%s %d" % (k, m.get(k, 0)) for k in EXITS if m.get(k, 0))
        if sends != exits or not a.get("closes") or a.get("gap") != sends - exits:
            out.append("%s: /mechanisms/%s: accounting open: sends %d (+carried %d) vs %s = %d"
                       % (label, name, m.get("sends", 0), m.get("carried", 0), terms, exits))


def check_file(v, kind, path):
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        return ["%s: cannot read: %s" % (path, e)]
    if kind == "events":
        for n, line in enumerate(text.splitlines(), 1):
            label = "%s:%d" % (path, n)
            try:
                doc = parse(line)
            except ValueError as e:
                out.append("%s: not JSON: %s" % (label, e))
                continue
            check_doc(v, doc, label, out)
            if len(out) >= MAX_ERRORS:
                break
        if text and not text.endswith("\n"):
            out.append("%s: the last record is cut short (no newline at the end)" % path)
        return out
    if not text.strip():
        return ["%s: empty, not a JSON document" % path]
    try:
        doc = parse(text)
    except ValueError as e:
        return ["%s: not JSON: %s" % (path, e)]
    check_doc(v, doc, path, out)
    if kind == "report":
        check_accounting(doc, path, out)
    return out


def main(argv):
    if len(argv) < 2 or argv[0] not in KINDS:
        print("usage: validate_json.py report|bench|events FILE...", file=sys.stderr)
        return 2
    kind, files = argv[0], argv[1:]
    v = validator(kind)
    bad = 0
    for path in files:
        problems = check_file(v, kind, path)
        for p in problems[:MAX_ERRORS]:
            print(p, file=sys.stderr)
        if len(problems) > MAX_ERRORS:
            print("%s: ... %d more" % (path, len(problems) - MAX_ERRORS), file=sys.stderr)
        bad += bool(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
