"""`--threads N` (config key "threads", 1-1024): the threads that split one request over the
cores. Its default is the CPUs in the process's affinity mask, so `taskset` (and systemd's
CPUAffinity=) size the pool; server/status reports it as work.threads; a bad value stops the
daemon at start; and splitting a request changes no result."""

import json
import os
import shutil
import stat

import pytest

from daemon_process import daemon_executable, small_model
from raw_client import RawClient

USAGE = 64    # bad option value (hypencoderd --help: Exit status)
CONFIG = 78   # bad config file value

needs_taskset = pytest.mark.skipif(shutil.which("taskset") is None, reason="taskset (util-linux) is not installed")


def work(daemon, schema):
    """server/status's work object, the reply checked against the published schema."""
    return RawClient(daemon.socket_path, schema).result("server/status")["work"]


@pytest.fixture
def on_cpu_zero(monkeypatch, tmp_path):
    """Makes the daemons this test starts run as `taskset -c 0 hypencoderd ...` (through
    $HYPENCODERD; taskset execs the daemon, so the pid and NOTIFY_SOCKET are its own)."""
    wrapper = tmp_path / "hypencoderd-on-cpu0"
    wrapper.write_text(f'#!/bin/sh\nexec taskset -c 0 "{daemon_executable()}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("HYPENCODERD", str(wrapper))


@needs_taskset
def test_default_under_taskset_is_one_thread(start_daemon, schema, on_cpu_zero):
    daemon = start_daemon()
    assert os.sched_getaffinity(daemon.pid) == {0}, "the daemon is not confined to CPU 0"
    assert work(daemon, schema)["threads"] == 1


@needs_taskset
def test_explicit_threads_win_over_the_affinity_mask(start_daemon, schema, on_cpu_zero):
    assert work(start_daemon(["--threads", "3"]), schema)["threads"] == 3


def test_default_is_the_cpus_the_process_may_use(start_daemon, schema):
    assert work(start_daemon(), schema)["threads"] == len(os.sched_getaffinity(0))


def test_flag_sets_the_thread_count(start_daemon, schema):
    assert work(start_daemon(["--threads", "3"]), schema)["threads"] == 3


def test_config_key_sets_the_thread_count_and_the_flag_overrides_it(start_daemon, schema, tmp_path):
    config = tmp_path / "hypencoderd.json"
    config.write_text(json.dumps({"threads": 2}))
    assert work(start_daemon(["--config", str(config)]), schema)["threads"] == 2
    assert work(start_daemon(["--config", str(config), "--threads", "1"]), schema)["threads"] == 1


def failed_start(start_daemon, arguments):
    daemon = start_daemon(arguments, wait_for_ready=False)
    return daemon.wait(), daemon.log


@pytest.mark.parametrize("value", ["0", "1025"])
def test_out_of_range_flag_is_a_usage_error(start_daemon, value):
    status, log = failed_start(start_daemon, ["--threads", value])
    assert status == USAGE, log
    # As for every flag, an out-of-range value is reported under its config key (the same
    # checker reads both; Tests/HypencoderDaemonTests/ConfigurationTests: "config.workers").
    assert "threads" in log and "1...1024" in log and f"got {value}" in log, log


def test_non_integer_flag_is_a_usage_error(start_daemon):
    status, log = failed_start(start_daemon, ["--threads", "x"])
    assert status == USAGE, log
    assert "--threads" in log and "integer" in log and '"x"' in log, log


@pytest.mark.parametrize("value", [0, 1025, "2", 2.5])
def test_bad_config_value_stops_the_daemon(start_daemon, tmp_path, value):
    config = tmp_path / "hypencoderd.json"
    config.write_text(json.dumps({"threads": value}))
    status, log = failed_start(start_daemon, ["--config", str(config)])
    assert status == CONFIG, log
    assert "config.threads" in log and "1...1024" in log and str(config) in log, log


TEXTS = [
    "The mitochondria is the powerhouse of the cell and makes ATP by oxidative phosphorylation.",
    "Photosynthesis turns light, water and carbon dioxide into glucose and oxygen.",
    "Vaccines train the immune system to recognise a pathogen without causing the disease.",
    "Insulin resistance is a hallmark of type 2 diabetes.",
    "Black holes bend light so strongly that nothing escapes from inside the event horizon.",
    "The Treaty of Westphalia ended the Thirty Years' War in 1648.",
    "Antibiotics do not work against viral infections such as influenza.",
    "short",
    # Longer than the model's 256-token window, so truncation happens inside the split request too.
    " ".join(f"Sentence {n} of a long abstract about protein folding and chaperones." for n in range(60)),
]
QUERIES = ["how do cells make energy", "diabetes and insulin", "what ended the thirty years war"]


def results_with(start_daemon, schema, tmp_path, threads):
    daemon = start_daemon(["--model", small_model(), "--index", str(tmp_path / f"index-{threads}"),
                           "--threads", str(threads)])
    client = RawClient(daemon.socket_path, schema)
    added = client.result("index/add", {"documents": [{"id": f"d{n}", "text": text}
                                                      for n, text in enumerate(TEXTS)]})
    vectors = client.result("index/get", {"ids": [f"d{n}" for n in range(len(TEXTS))], "include": ["vector"]})
    searches = [client.result("search", {"query": query, "k": len(TEXTS)})["results"] for query in QUERIES]
    return added, vectors["documents"], searches


def test_two_threads_give_the_results_of_one(start_daemon, schema, tmp_path):
    one = results_with(start_daemon, schema, tmp_path, 1)
    two = results_with(start_daemon, schema, tmp_path, 2)
    assert one[0] == two[0], "index/add answered differently"
    for first, second in zip(one[1], two[1]):
        assert first["id"] == second["id"]
        assert first["vector"] == pytest.approx(second["vector"], abs=1e-5), f"vector of {first['id']}"
    for query, first, second in zip(QUERIES, one[2], two[2]):
        assert [r["id"] for r in first] == [r["id"] for r in second], query
        # Split GEMMs round differently in the last bits, by an amount that follows the size of
        # the sums (the query's largest scores), not of each score: a score near zero moves as
        # much as one near 10. Agreement to 1e-5 of the query's score scale, not equality.
        scale = max(abs(r["score"]) for r in first)
        assert [r["score"] for r in first] == pytest.approx([r["score"] for r in second], abs=1e-5 * scale), query
