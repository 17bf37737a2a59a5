"""Scripts/adapt-model end to end: a corpus of 60 documents that the test writes (both JSONL
shapes `hypencoder add` reads, mixed), the real MiniLM backbone, one thread and a few training
steps; the result must be a model folder that `hypencoder-model info` loads. The general head
here is the bi-encoder start (HyperHead.bi_encoder_start), exported as train_general.py exports
it, so the test does not depend on Models/hypencoder-minilm-general having been trained.

`hypencoder-model` is $HYPENCODER_MODEL_BIN, else the release build; without either the
end-to-end test is skipped (the script itself would build it with swift, minutes on two cores).
The corpus cache goes to the test's own folder ($HYPENCODER_ADAPT_WORK), so every run caches.
"""

import json
import math
import os
import pathlib
import random
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = REPOSITORY / "Scripts" / "adapt-model"
sys.path.insert(0, str(REPOSITORY / "Tools" / "train"))
from adapt import paired_gain  # noqa: E402
from export_head import write_model_files  # noqa: E402
from hyperhead import HyperHead  # noqa: E402

TIMEOUT = 600
QUICK = ["--threads", "1", "--steps", "5", "--sentences", "1", "--eval-every", "5"]
TOPICS = {
    "volcanoes": ["lava", "magma", "eruption", "crater", "ash", "basalt", "vent", "caldera"],
    "bees": ["hive", "pollen", "nectar", "queen", "worker", "honeycomb", "swarm", "colony"],
    "compilers": ["parser", "register", "bytecode", "optimizer", "syntax", "linker", "lexer", "inlining"],
    "tides": ["moon", "current", "estuary", "shoreline", "flood", "ebb", "harbour", "gravity"],
    "bread": ["dough", "yeast", "crust", "flour", "oven", "starter", "gluten", "proofing"],
    "glaciers": ["ice", "moraine", "crevasse", "meltwater", "valley", "snowfield", "calving", "fjord"],
}


def corpus_lines(count=60):
    """Seeded documents of four sentences about one topic; even rows in BEIR's shape with a
    title, odd rows in ours with metadata."""
    rng = random.Random(13)
    lines = []
    for n in range(count):
        topic = list(TOPICS)[n % len(TOPICS)]
        words = TOPICS[topic]
        sentences = [f"The {rng.choice(words)} and the {rng.choice(words)} shape how {topic} behave over "
                     f"{rng.choice(['days', 'years', 'seasons'])} in study {n}." for _ in range(4)]
        text = " ".join(sentences)
        if n % 2 == 0:
            lines.append(json.dumps({"_id": f"doc{n}", "title": f"Notes on {topic} and {rng.choice(words)}",
                                     "text": text}))
        else:
            lines.append(json.dumps({"id": f"doc{n}", "text": text, "metadata": {"topic": topic}}))
    return lines


@pytest.fixture(scope="module")
def general_head(tmp_path_factory):
    directory = tmp_path_factory.mktemp("general-head")
    head = HyperHead(384, [384, 768, 1], 0.0, 7, linear_last_weight=True, residual_on_last=False)
    head.bi_encoder_start(scale=20.0 / (2 * math.sqrt(384) * 5.7), shift=4.0, export_scale=256.0)
    write_model_files(head, [384, 768, 1], str(directory), {"recipe": "test: bi_encoder_start"},
                      dtype=torch.float32)
    return str(directory)


def model_binary():
    path = os.environ.get("HYPENCODER_MODEL_BIN") or str(REPOSITORY / ".build" / "release" / "hypencoder-model")
    if not os.access(path, os.X_OK):
        pytest.skip(f"hypencoder-model not found at {path}: set HYPENCODER_MODEL_BIN or "
                    "`swift build -c release --product hypencoder-model`")
    return path


def adapt(corpus, out, head, *options):
    environment = dict(os.environ, HYPENCODER_ADAPT_WORK=str(pathlib.Path(corpus).parent / "work"))
    binary = os.environ.get("HYPENCODER_MODEL_BIN") or str(REPOSITORY / ".build" / "release" / "hypencoder-model")
    if os.access(binary, os.X_OK):
        environment["HYPENCODER_MODEL_BIN"] = binary
    return subprocess.run([str(SCRIPT), str(corpus), str(out), "--head", head, *QUICK, *options],
                          capture_output=True, text=True, timeout=TIMEOUT, env=environment)


def test_a_small_corpus_becomes_a_loadable_model(tmp_path, general_head):
    binary = model_binary()
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(corpus_lines()) + "\n", encoding="utf-8")
    out = tmp_path / "adapted"

    result = adapt(corpus, out, general_head)
    assert result.returncode == 0, result.stderr[-4000:]
    last = result.stdout.strip().splitlines()[-1]
    assert last == str(out) and os.path.isdir(last)
    assert (out / "model.safetensors").is_file()
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["query_encoder_kwargs"]["converter_kwargs"]["linear_last_weight"] is True
    training = config["training"]
    assert training["recipe"] == "Tools/train/adapt.py" and training["documents"] == 60
    assert training["history"][0]["step"] == 0 and training["steps_run"] == 5
    assert training["training_examples"] > 0 and training["dev_queries"] > 0

    info = subprocess.run([binary, "info", str(out), "--json"], capture_output=True, text=True, timeout=TIMEOUT)
    assert info.returncode == 0, info.stderr
    facts = json.loads(info.stdout)
    assert facts["linearLastWeight"] is True and facts["vectorDimensions"] == [384, 768, 1]

    again = adapt(corpus, out, general_head)
    assert again.returncode == 0, again.stderr[-4000:]
    assert again.stdout.strip().splitlines()[-1] == str(out)
    assert "already holds this adaptation" in again.stderr


def test_a_malformed_line_is_named(tmp_path, general_head):
    lines = corpus_lines()
    lines[6] = '{"id": "doc6", "text": "an unterminated string}'
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = adapt(corpus, tmp_path / "adapted", general_head)
    assert result.returncode != 0
    assert "line 7" in result.stderr and "not valid JSON" in result.stderr, result.stderr[-2000:]
    assert not (tmp_path / "adapted").exists()


def test_a_folder_that_is_no_adaptation_is_left_alone(tmp_path, general_head):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(corpus_lines()) + "\n", encoding="utf-8")
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me", encoding="utf-8")
    result = adapt(corpus, precious, general_head)
    assert result.returncode != 0
    assert "not an earlier adapt-model output" in result.stderr
    assert (precious / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_a_trained_state_is_kept_only_for_a_gain_above_the_dev_noise():
    """The keep rule of adapt.py's DevSet: per-query gains that average +0.01 but scatter by
    0.2 over 100 queries (standard error 0.02) are noise at 2 standard errors; the same mean
    gain on every query is not; a loss never clears."""
    start = [0.5] * 100
    scattered = [0.5 + 0.01 + (0.2 if q % 2 else -0.2) for q in range(100)]
    gain, margin = paired_gain(np.array(scattered), np.array(start), 2.0)
    assert math.isclose(gain, 0.01, abs_tol=1e-12)
    assert math.isclose(margin, 2 * 0.2 * math.sqrt(100 / 99) / 10, rel_tol=1e-9)
    assert gain < margin
    gain, margin = paired_gain(np.array([0.51] * 100), np.array(start), 2.0)
    assert gain > margin == 0.0
    gain, margin = paired_gain(np.array([0.49] * 100), np.array(start), 0.0)
    assert not gain > margin, "with 0 standard errors a state must still gain"
