#!/usr/bin/env python3
"""Indexing a folder as an editor user does, through the socket (issue 14).

Starts a real hypencoderd with the default model and an empty index, copies a source tree (by
default this repository's Sources, Clients, Docs and Tests/python) to a temporary folder, and
measures with the real `hypencoder` client:

- the first `hypencoder index` of the folder (files, passages, seconds, passages per second);
- a second run over the unchanged tree (it must write nothing);
- a save: one file edited, `workspace/update` of it (what the editor plugins send);
- searches of the workspace: the daemon's own elapsedMs and the client's wall time, median and
  90th percentile over the queries.

Usage: Benchmarks/workspace_index.py [--folder DIR ...] [--repeat N]
(build first: swift build -c release; Scripts/default-model assembles the model).
"""

import argparse
import json
import os
import pathlib
import shutil
import socket
import statistics
import subprocess
import tempfile
import time

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]
DAEMON = REPOSITORY / ".build" / "release" / "hypencoderd"
CLIENT = REPOSITORY / ".build" / "release" / "hypencoder"
MODEL = REPOSITORY / ".build" / "models" / "hypencoder-default"
QUERIES = [
    "where is the write-ahead log replayed after a crash",
    "how are passages split into lines",
    "which peer may index files",
    "how does the daemon cancel a request",
    "parse the content length header",
    "gitignore negation rules",
    "quickfix list from search results",
    "checkpoint renames the manifest",
    "choose the OpenBLAS kernel",
    "how is a collection dropped",
]


def client(socket_path, *arguments):
    started = time.perf_counter()
    done = subprocess.run([str(CLIENT), "--socket", socket_path, *arguments],
                          capture_output=True, text=True, check=True, timeout=3600)
    return json.loads(done.stdout), time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folder", action="append", help="folders to copy into the workspace")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the queries")
    options = parser.parse_args()
    folders = options.folder or [str(REPOSITORY / name) for name in ("Sources", "Clients", "Docs", "Tests/python")]

    scratch = pathlib.Path(tempfile.mkdtemp(prefix="hcbench."))
    workspace = scratch / "workspace"
    for folder in folders:
        shutil.copytree(folder, workspace / pathlib.Path(folder).name,
                        ignore=shutil.ignore_patterns("__pycache__", ".build"))
    socket_path = str(scratch / "d.sock")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    daemon = subprocess.Popen([str(DAEMON), "--model", str(MODEL), "--index", str(scratch / "index"),
                               "--socket", socket_path], env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while True:
            try:
                with socket.socket(socket.AF_UNIX) as probe:
                    probe.connect(socket_path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)

        first, first_wall = client(socket_path, "index", str(workspace), "--json", "--quiet")
        second, second_wall = client(socket_path, "index", str(workspace), "--json", "--quiet")
        assert second["passages"]["added"] == 0 and second["passages"]["removed"] == 0, second

        edited = sorted(workspace.rglob("*.swift"))[0]
        edited.write_text(edited.read_text() + "\n// an edit, as an editor saves it\n")
        update, update_wall = client(socket_path, "call", "workspace/update",
                                     json.dumps({"paths": [str(edited)]}))

        daemon_ms, wall_ms = [], []
        for _ in range(options.repeat):
            for query in QUERIES:
                params = {"query": query, "workspace": str(workspace), "k": 20, "include": ["text"]}
                result, wall = client(socket_path, "call", "search", json.dumps(params))
                daemon_ms.append(result["elapsedMs"])
                wall_ms.append(wall * 1000)

        passages = first["passages"]["added"]
        print(f"workspace: {first['files']['indexed']} files indexed, {passages} passages "
              f"(skipped: {first['skipped']})")
        print(f"first index:   {first['elapsedMs'] / 1000:.1f} s in the daemon, {first_wall:.1f} s wall, "
              f"{passages / (first['elapsedMs'] / 1000):.1f} passages/s")
        print(f"second index:  {second['elapsedMs']:.0f} ms in the daemon, {second_wall * 1000:.0f} ms wall "
              f"(files unchanged {second['files']['unchanged']}, nothing written)")
        print(f"save of one file (workspace/update): {update_wall * 1000:.0f} ms wall, "
              f"{update['passages']['added']} passages added, {update['passages']['removed']} removed")
        def percentile(values, fraction):
            ordered = sorted(values)
            return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
        print(f"search over {passages} passages, k=20, {len(daemon_ms)} queries: daemon p50 "
              f"{statistics.median(daemon_ms):.1f} ms, p90 {percentile(daemon_ms, 0.9):.1f} ms; "
              f"client wall p50 {statistics.median(wall_ms):.1f} ms, p90 {percentile(wall_ms, 0.9):.1f} ms")
    finally:
        daemon.terminate()
        daemon.wait(timeout=60)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
