"""Validates app-server messages against the reference's JSON Schema.

    python validate_messages.py SCHEMA_DIR MESSAGES.jsonl

Each input line is {"kind": K, "schema": FILE, "message": M}: M is checked
against SCHEMA_DIR/FILE (a draft-07 schema; for notifications and server
requests the union files, whose branches key on `method`). Prints one line
per invalid message and exits 1 if there was any; prints the count checked.
"""

import json
import sys

import jsonschema

schema_dir, path = sys.argv[1], sys.argv[2]
cache = {}
failures = 0
checked = 0
with open(path) as f:
    for line in f:
        entry = json.loads(line)
        name = entry["schema"]
        if name not in cache:
            with open(f"{schema_dir}/{name}") as s:
                schema = json.load(s)
            cache[name] = jsonschema.Draft7Validator(schema)
        errors = list(cache[name].iter_errors(entry["message"]))
        checked += 1
        if errors:
            failures += 1
            best = jsonschema.exceptions.best_match(errors)
            print(
                f"INVALID {entry['kind']} against {name}: {best.message} at "
                f"{list(best.absolute_path)}\n  {json.dumps(entry['message'])[:600]}"
            )
print(f"checked {checked} messages, {failures} invalid")
sys.exit(1 if failures else 0)
