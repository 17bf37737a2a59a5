"""What a user who clones the repository relies on, beyond the code: the design every comment
cites is there, section by section; the data the quick start, tests and tools read is in
`Data/`, whole (checksums) and with its licence; and nothing points outside the clone."""

import hashlib
import json
import pathlib
import re
import subprocess

from daemon_process import REPOSITORY

DESIGN = REPOSITORY / "Docs" / "DESIGN.md"
DATA = REPOSITORY / "Data"
COLLECTIONS = {"squad-dev": "test", "scifact": "train", "cranfield": "test", "cisi": "test"}


def tracked_text_files():
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPOSITORY, capture_output=True, check=True).stdout
    for name in listed.decode().split("\0"):
        path = REPOSITORY / name
        if not name or not path.is_file() or path.suffix in {".safetensors", ".bin", ".npy"}:
            continue
        try:
            yield name, path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue


def design_sections():
    """Section numbers of Docs/DESIGN.md: "## 2. The model" gives "2", "### 2.1 Checkpoint" "2.1"."""
    return set(re.findall(r"^#{2,4} (\d+(?:\.\d+)*)\.? ", DESIGN.read_text(encoding="utf-8"), re.MULTILINE))


def test_every_design_citation_names_a_section_that_exists():
    sections = design_sections()
    assert {"1", "2", "3", "4", "5", "6", "7"} <= sections, sorted(sections)
    missing = []
    for name, text in tracked_text_files():
        if name.startswith("Data/") or name.startswith("Tests/Fixtures/") or name.endswith("dev-check.json"):
            continue  # collections and fixtures hold other people's text ("DESIGN A prospective study ...")
        for match in re.finditer(r"DESIGN\.md\)?,? ?§ ?(\d+(?:\.\d+)*)", text):
            if match.group(1) not in sections:
                line = text.count("\n", 0, match.start()) + 1
                missing.append(f"{name}:{line}: §{match.group(1)}")
    assert not missing, "citations of sections Docs/DESIGN.md does not have:\n" + "\n".join(missing)


def test_nothing_refers_to_folders_beside_the_clone():
    # Spelled in pieces so that `git grep` for the folder finds nothing, this file included.
    workbench = ("../" + "shared", "/work/" + "shared")
    offenders = []
    for name, text in tracked_text_files():
        for number, line in enumerate(text.splitlines(), 1):
            if any(folder in line for folder in workbench):
                offenders.append(f"{name}:{number}: {line.strip()[:120]}")
    assert not offenders, "\n".join(offenders)


def test_each_collection_is_complete_in_beir_layout_with_its_licence():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for collection, split in COLLECTIONS.items():
        folder = DATA / collection
        notes = (folder / "README.md").read_text(encoding="utf-8")
        assert "Licence" in notes and "## Source" in notes, collection
        assert f"[{collection}]" in readme, f"Data/README.md does not list {collection}"
        sums = (folder / "SHA256SUMS").read_text(encoding="utf-8").split("\n")
        checked = set()
        for row in filter(None, sums):
            digest, name = row.split(maxsplit=1)
            actual = hashlib.sha256((folder / name).read_bytes()).hexdigest()
            assert actual == digest, f"Data/{collection}/{name}: sha256 {actual}, SHA256SUMS says {digest}"
            checked.add(name)
        assert checked == {"corpus.jsonl", "queries.jsonl", f"qrels/{split}.tsv"}, (collection, checked)

        documents = [json.loads(line) for line in (folder / "corpus.jsonl").open(encoding="utf-8")]
        queries = [json.loads(line) for line in (folder / "queries.jsonl").open(encoding="utf-8")]
        document_ids = {document["_id"] for document in documents}
        query_ids = {query["_id"] for query in queries}
        assert len(document_ids) == len(documents) and len(query_ids) == len(queries), collection
        rows = (folder / "qrels" / f"{split}.tsv").read_text(encoding="utf-8").splitlines()
        assert rows[0] == "query-id\tcorpus-id\tscore", collection
        for row in rows[1:]:
            query, document, score = row.split("\t")
            assert query in query_ids and document in document_ids and int(score) >= 0, (collection, row)


def test_the_non_commercial_collection_says_so_and_the_quick_start_does_not_use_it():
    notes = (DATA / "scifact" / "README.md").read_text(encoding="utf-8")
    assert "CC BY-NC 2.0" in notes and "non-commercial" in notes.lower()
    quickstart = (REPOSITORY / "Scripts" / "quickstart").read_text(encoding="utf-8")
    assert "squad-dev" in quickstart and "scifact" not in quickstart.lower()
    assert "CC BY-SA 4.0" in (DATA / "squad-dev" / "README.md").read_text(encoding="utf-8")


def test_licences_are_stated_where_they_apply_and_summarised_in_the_readme():
    assert "MIT License" in (REPOSITORY / "LICENSE").read_text(encoding="utf-8")
    science = (REPOSITORY / "Models" / "hypencoder-minilm-scifact" / "README.md").read_text(encoding="utf-8")
    assert "non-commercial" in science.lower() and "CC BY-NC 2.0" in science
    general = (REPOSITORY / "Models" / "hypencoder-minilm-general" / "README.md").read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in general and "Apache-2.0" in general
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Licences", 1)[1]
    for needle in ("LICENSE", "non-commercial", "CC BY-SA 4.0", "CC BY-NC 2.0", "Data/README.md"):
        assert needle in section, needle
