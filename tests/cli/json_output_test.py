#!/usr/bin/env python3
"""Walks every tcplan subcommand with --output json and validates each document against its
JSON Schema in docs/schemas/ (issue 14). Commands that print no result document say why below;
a new subcommand fails this test until it is given a schema or a reason. Also checks that times
are ISO 8601 (the schemas' patterns) and numbers plain decimals (no 3.88E0).

`audit init` needs a PostgreSQL server: PG_FIXTURE (tcplan_pg_fixture) makes a fresh database on
the ctest run's throw-away server (TCPLAN_TEST_PG_DIR).

Usage: json_output_test.py TCPLAN_BINARY SOURCE_DIR PG_FIXTURE"""
import json
import os
import re
import subprocess
import sys
import tempfile

import jsonschema

tcplan, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
pg_fixture = os.path.abspath(sys.argv[3])
plans = os.path.join(src, "plans")
schemas = os.path.join(src, "docs", "schemas")

# Commands that print no result document, and why.
NO_DOCUMENT = {
    "unlock": "an action; its outcome is the exit code and one line per lock",
    "audit export": "its own machine formats (--format jsonl|csv, docs/audit.md)",
    "audit report": "writes an HTML file",
    "audit pack": "writes a directory (its manifest.json is the document)",
    "emulator": "a server, not a command with a result",
}


def subcommands(*path):
    out = subprocess.run([tcplan, *path, "--help"], capture_output=True, text=True, check=True).stdout
    names, inside = [], False
    for line in out.splitlines():
        if line.strip().upper() == "SUBCOMMANDS:":
            inside = True
            continue
        if inside:
            if not line.startswith("  "):
                break
            names.append(line.split()[0])
    return names


def every_command():
    found = []
    for name in subcommands():
        subs = subcommands(name)
        found += [f"{name} {s}" for s in subs] if subs else [name]
    return found


with tempfile.TemporaryDirectory() as work, tempfile.TemporaryDirectory() as review:
    env = dict(os.environ, XDG_STATE_HOME=os.path.join(work, "state"), HOME=work)
    for k in ("TCPLAN_AUDIT_DB", "TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"):
        env.pop(k, None)
    common = ["--time-scale", "1000", "--emulator-fixture", os.path.join(plans, "fixtures", "fleet.toml")]

    def run(*args, ok=(0,)):
        p = subprocess.run([tcplan, *common, *args, "--output", "json"], capture_output=True,
                           text=True, cwd=work, env=env)
        assert p.returncode in ok, f"tcplan {' '.join(args)}: exit {p.returncode}\n{p.stdout}\n{p.stderr}"
        return p.stdout

    bad = os.path.join(work, "bad.toml")
    with open(bad, "w") as f:
        f.write('version = 1\nname = "x"\nregion = "ap-guangzhou"\n[[steps]]\nid = "a"\nkind = "wiat"\n')
    hdfs = os.path.join(plans, "hdfs-rolling-restart.toml")
    copies = os.path.join(work, "copies")
    os.mkdir(copies)
    saved = os.path.join(review, "saved.json")
    documents = {"validate": run("validate", os.path.join(plans, "lifecycle.toml"), bad, ok=(1,)),
                 "plan": run("plan", os.path.join(plans, "nightly-etl-scale.toml"), "--out", saved,
                             "--now", "2026-11-24T01:05:00+08:00"),  # inside its window
                 "apply": run("apply", hdfs, "--yes")}
    # Signed with the trail's own key (approve does not care whose; apply would).
    key = os.path.join(work, "state", "tcplan", "audit.db.key")
    documents["approve"] = run("approve", saved, "--key", key, "--ticket", "CHG-1",
                               "--out", os.path.join(review, "approvals"))
    run_id = json.loads(documents["apply"])["run"]
    documents.update({
        "runs": run("runs"),
        "status": run("status", run_id),
        "audit verify": run("audit", "verify"),
        "audit show": run("audit", "show", run_id),
        "call": run("call", "emr", "DescribeInstances", "--params", '{"DisplayStrategy":"clusterList"}'),
        # Into a directory of its own: the copy's witness goes beside it.
        "audit copy": run("audit", "copy", os.path.join(work, "state", "tcplan", "audit.db"),
                          os.path.join(copies, "audit.db")),
    })
    pg_dir = os.environ.get("TCPLAN_TEST_PG_DIR")
    assert pg_dir, "TCPLAN_TEST_PG_DIR is not set: run this test through ctest (fixture pg_server)"
    team = subprocess.run([pg_fixture, "createdb", pg_dir, "json"], capture_output=True, text=True,
                          check=True).stdout.strip()
    documents["audit init"] = run("audit", "init", team)
    schema_of = {"validate": "validate", "plan": "preview", "approve": "approval", "apply": "run",
                 "runs": "runs", "status": "status", "audit verify": "audit-verify",
                 "audit show": "audit-show", "audit init": "audit-init", "audit copy": "audit-copy",
                 "call": "call"}

    commands = every_command()
    unclassified = [c for c in commands if c not in schema_of and c not in NO_DOCUMENT]
    assert not unclassified, f"subcommands with no schema and no reason: {unclassified}"
    stale = [c for c in list(schema_of) + list(NO_DOCUMENT) if c not in commands]
    assert not stale, f"classified but not subcommands any more: {stale}"

    for command, name in schema_of.items():
        text = documents[command]
        with open(os.path.join(schemas, f"{name}.schema.json")) as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        doc = json.loads(text)
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=str)
        assert not errors, f"{command}: {errors[0].message} at {list(errors[0].absolute_path)}\n{text[:2000]}"
        assert not re.search(r'[0-9]E[+-]?[0-9]', text), f"{command}: exponent notation in {text[:500]}"
        print(f"ok: tcplan {command} --output json matches docs/schemas/{name}.schema.json")

    diags = json.loads(documents["validate"])["files"][1]["diagnostics"]
    assert any(d["line"] == 6 and d["severity"] == "error" for d in diags), diags
    assert sorted(os.listdir(work)) == ["bad.toml", "copies", "state"], f"files left in the working directory: {os.listdir(work)}"
print("json output ok")
