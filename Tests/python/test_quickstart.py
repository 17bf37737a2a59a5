"""The README's first command, Scripts/quickstart, run as a user would (twice: it must be safe
to run again), on the first 200 paragraphs of the sample corpus (Data/squad-dev: Super Bowl 50,
Warsaw, the Normans, Nikola Tesla) so CI stays short. It must end with search results from the
default model that answer its questions, and the second run must reuse the daemon and the index."""

import os
import pathlib
import re
import subprocess

from daemon_process import REPOSITORY

SCRIPT = REPOSITORY / "Scripts" / "quickstart"
#: Seconds one run may take: setup and the release build are already done by Scripts/test,
#: so this bounds the model assembly, indexing 200 documents and the searches.
TIME_BOUND = 900


def run_quickstart(work: pathlib.Path) -> subprocess.CompletedProcess:
    environment = dict(os.environ, HYPENCODER_QUICKSTART_DOCUMENTS="200", HYPENCODER_QUICKSTART_DIR=str(work))
    return subprocess.run([str(SCRIPT)], cwd=REPOSITORY, env=environment, capture_output=True, text=True,
                          timeout=TIME_BOUND)


def stop_daemon(socket: pathlib.Path):
    client = str(REPOSITORY / ".build" / "release" / "hypencoder")
    for method in ("shutdown", "exit"):
        subprocess.run([client, "--socket", str(socket), "call", method], capture_output=True, timeout=60)


def test_quickstart_prints_search_results_and_is_safe_to_rerun(tmp_path):
    socket = tmp_path / "hypencoder.sock"
    try:
        first = run_quickstart(tmp_path)
        assert first.returncode == 0, first.stderr[-4000:]
        # Three queries, each with a table of 3 hits whose ids are paragraphs of the sample.
        assert first.stdout.count("query:") == 3, first.stdout
        rows = re.findall(r"^\s*([123])\s+(-?\d+\.\d+)\s+(\S+-\d+)\s", first.stdout, re.MULTILINE)
        assert len(rows) >= 12, first.stdout  # 3 exact tables + the approximate one
        # Each question's best paragraph comes from the article it is about (exact tables in
        # query order: Super Bowl 50, the Normans, Nikola Tesla).
        best = [document for rank, _, document in rows if rank == "1"]
        for document, article in zip(best, ["Super_Bowl_50-", "Normans-", "Nikola_Tesla-"]):
            assert document.startswith(article), (document, article, first.stdout)
        assert "documents scored in" in first.stdout
        assert "encoding and indexing 200 documents" in first.stderr

        second = run_quickstart(tmp_path)
        assert second.returncode == 0, second.stderr[-4000:]
        assert "reusing the daemon" in second.stderr, second.stderr[-2000:]
        assert "200 documents already indexed" in second.stderr, second.stderr[-2000:]
        # Same index, same model: the same results (only the timings may differ).
        assert _without_timings(second.stdout) == _without_timings(first.stdout)
    finally:
        stop_daemon(socket)


def _without_timings(text: str) -> str:
    return re.sub(r"documents scored in [0-9.]+ ms", "documents scored in _ ms", text)
