"""Writes the bad-input catalogue (Tests/python/bad_inputs.py) as fuzz seeds: every case of at
most 4 KB for `framing` (after a control byte 0: framing detected from the first byte), the
single-message newline-delimited ones for `rpc-request`, and those with params for
`method-params`. Run from the repository root after the catalogue changes:

    python3 Tests/Fuzz/extract_bad_input_seeds.py
"""

import pathlib
import re
import sys

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY / "Tests" / "python"))
import bad_inputs  # noqa: E402

SEEDS = REPOSITORY / "Tests" / "Fuzz" / "seeds"


def write(target, name, data):
    folder = SEEDS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


for case in bad_inputs.CATALOGUE:
    if len(case.data) > 4000:
        continue
    name = "bad-input-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", case.name)[:60]
    write("framing", name, b"\x00" + case.data)
    body = case.data.rstrip(b"\r\n")
    if case.framing != "ndjson" or case.after_hello or b"\n" in body:
        continue
    write("rpc-request", name, body)
    if b'"method"' in body and b'"params"' in body:
        write("method-params", name, body)
