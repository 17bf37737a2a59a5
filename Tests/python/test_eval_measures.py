"""`hypencoder eval` computes nDCG@10, MAP and R@100 in Swift; this checks them against
ir-measures (trec_eval through pytrec_eval) on the run file the client itself wrote.

The collection is generated here (seeded), indexed by the client into a real daemon on the
small random test model, so the ranking is arbitrary but fixed, and the qrels have grades
0, 1 and 2, a query with only a grade-0 judgment, and relevant documents outside the run.
"""

import json
import os
import pathlib
import random
import subprocess

import ir_measures
from ir_measures import AP, R, nDCG

from daemon_process import REPOSITORY, daemon_executable

TOLERANCE = 1e-4


def client_executable():
    """$HYPENCODER if set, else the `hypencoder` built beside the daemon under test."""
    if os.environ.get("HYPENCODER"):
        return os.environ["HYPENCODER"]
    path = pathlib.Path(daemon_executable()).with_name("hypencoder")
    assert os.access(path, os.X_OK), f"hypencoder not found at {path}: build it or set HYPENCODER"
    return str(path)


def write_collection(directory):
    rng = random.Random(20261125)
    words = ("cell protein gene virus dose trial river mountain rocket orbit bread flour yeast "
             "engine wing pressure heat metal alloy crack stress flow wave signal noise").split()
    documents = {f"d{i:02d}": " ".join(rng.choice(words) for _ in range(rng.randint(5, 20))) for i in range(60)}
    queries = {f"q{i}": " ".join(rng.choice(words) for _ in range(rng.randint(2, 5))) for i in range(12)}
    qrels = []
    for query in queries:
        for document in rng.sample(sorted(documents), rng.randint(1, 8)):
            qrels.append((query, document, rng.choice([0, 1, 1, 2])))
    qrels.append(("q0", "d59", 0))
    qrels = [row for row in qrels if row[0] != "q11"] + [("q11", "d00", 0)]   # no relevant document
    (directory / "qrels").mkdir(parents=True)
    with open(directory / "corpus.jsonl", "w") as f:
        for id, text in documents.items():
            f.write(json.dumps({"_id": id, "title": "", "text": text}) + "\n")
    with open(directory / "queries.jsonl", "w") as f:
        for id, text in queries.items():
            f.write(json.dumps({"_id": id, "text": text}) + "\n")
    with open(directory / "qrels" / "test.tsv", "w") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        seen = set()
        for query, document, grade in qrels:
            if (query, document) not in seen:
                seen.add((query, document))
                f.write(f"{query}\t{document}\t{grade}\n")


def run_eval(daemon, collection, run_path, k, extra=()):
    completed = subprocess.run(
        [client_executable(), "--socket", daemon.socket_path, "eval", "--corpus", str(collection),
         "--run", str(run_path), "-k", str(k), "--json", "--quiet", *extra],
        capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr + daemon.log
    return json.loads(completed.stdout)


def reference(collection, run_path):
    # BEIR qrels are "query-id corpus-id score" with a header, not TREC's four columns.
    lines = (collection / "qrels" / "test.tsv").read_text().splitlines()[1:]
    qrels = [ir_measures.Qrel(q, d, int(g)) for q, d, g in (line.split("\t") for line in lines)]
    run = list(ir_measures.read_trec_run(str(run_path)))
    return ir_measures.calc_aggregate([nDCG @ 10, AP, R @ 100], qrels, run)


def test_measures_match_ir_measures(model_daemon, tmp_path):
    collection = tmp_path / "beir"
    write_collection(collection)
    for k, extra in ((30, ()), (1000, ("--no-index",))):
        run_path = tmp_path / f"run-{k}.trec"
        ours = run_eval(model_daemon, collection, run_path, k, extra)
        theirs = reference(collection, run_path)
        assert ours["queries"] == 12
        assert abs(ours["nDCG@10"] - theirs[nDCG @ 10]) < TOLERANCE, (k, ours, theirs)
        assert abs(ours["MAP"] - theirs[AP]) < TOLERANCE, (k, ours, theirs)
        assert abs(ours["R@100"] - theirs[R @ 100]) < TOLERANCE, (k, ours, theirs)
    # With the whole corpus retrieved, every relevant document is in the top 100.
    assert ours["R@100"] > 0.9
