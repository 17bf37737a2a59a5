"""A small workspace of real text for the editor-plugin tests (Vim, Neovim, Emacs): plain
files made of SQuAD dev paragraphs (Data/squad-dev, CC BY-SA 4.0, BEIR layout), wrapped to
79 columns, one paragraph per block, blocks separated by blank lines.

    workspace = make_workspace(tmp_path / "ws")
    workspace.root          # absolute pathlib.Path of the workspace directory
    workspace.query         # a SQuAD question ...
    workspace.answer_path   # ... answered by a paragraph in the middle of this long file
    workspace.answer_lines  # range of the 1-based line numbers of that paragraph
    workspace.answer_text   # the paragraph as written (its lines joined by newlines)
    workspace.overlaps_answer(path, line, end_line)  # does a passage share a line with it?
    workspace.edit_path     # a small file for save-triggered re-indexing tests, holding
    workspace.edit_old_text #   this paragraph now (the whole file), found by edit_old_query;
    workspace.edit_new_text #   replace the file's content with this one (ends with a newline),
    workspace.edit_new_query#   then this question finds it, and the old text is gone

Everything is a pure function of the repository's data, so every run builds the same files.
The question is one the default model ranks first among the workspace's passages with the
daemon's default passage sizes (checked when it was chosen; the editor tests require the
answer among the first three results). `indexed_files` are the files the daemon should
index; the workspace also holds a hidden file and a directory its .gitignore excludes, so that
an index summary has something in its `skipped` counts.
"""

import dataclasses
import json
import pathlib
import textwrap

from daemon_process import REPOSITORY

SQUAD = REPOSITORY / "Data" / "squad-dev"
WIDTH = 79

#: The long file: eight paragraphs of each article, in this order; the answer sits in the middle.
LONG_FILE = "notes/reading.txt"
LONG_ARTICLES = ("Steam_engine", "Oxygen", "Black_Death", "Amazon_rainforest", "Geology", "Rhine")
PARAGRAPHS_PER_ARTICLE = 8
#: The question (SQuAD id) and the paragraph it was asked about (qrels), in LONG_ARTICLES.
QUERY_ID = "5729ea263f37b319004785bf"
ANSWER_ID = "Amazon_rainforest-4"

#: Other files: (relative path, title, paragraph ids).
OTHER_FILES = (
    ("docs/chloroplast.md", "Chloroplast", [f"Chloroplast-{i}" for i in range(4)]),
    ("docs/immune-system.txt", "Immune system", [f"Immune_system-{i}" for i in range(4)]),
)
EDIT_FILE = "notes/todo.txt"
EDIT_OLD = ("Prime_number-1", "57296f293f37b319004783a4")   # (paragraph, question about it)
EDIT_NEW = ("Ctenophora-0", "57263eaa38643c19005ad371")
#: Not indexed: a hidden file and an ignored directory.
HIDDEN_FILE = ".draft.txt"
IGNORED_FILE = "build/generated.txt"


@dataclasses.dataclass(frozen=True)
class EditorWorkspace:
    root: pathlib.Path
    query: str
    answer_path: pathlib.Path
    answer_lines: range
    answer_text: str
    edit_path: pathlib.Path
    edit_old_text: str
    edit_old_query: str
    edit_new_text: str
    edit_new_query: str
    indexed_files: tuple

    def overlaps_answer(self, path, line, end_line):
        """True when the passage path:line..end_line (1-based, inclusive) shares a line with
        the answering paragraph."""
        return (pathlib.Path(path) == self.answer_path and line <= self.answer_lines[-1]
                and end_line >= self.answer_lines[0])


def _read_jsonl(path):
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def _squad():
    paragraphs = {document["_id"]: document for document in _read_jsonl(SQUAD / "corpus.jsonl")}
    questions = {query["_id"]: query["text"] for query in _read_jsonl(SQUAD / "queries.jsonl")}
    relevant = {}
    for row in (SQUAD / "qrels" / "test.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        query, document, _ = row.split("\t")
        relevant[query] = document
    return paragraphs, questions, relevant


def _wrap(text):
    return textwrap.fill(" ".join(text.split()), width=WIDTH, break_long_words=False,
                         break_on_hyphens=False)


def _question(questions, relevant, query_id, paragraph_id):
    assert relevant[query_id] == paragraph_id, f"SQuAD question {query_id} is not about {paragraph_id}"
    return questions[query_id]


def _write(root, relative, blocks):
    """Writes blocks (lists of lines) separated by blank lines; returns the file's path and
    the 1-based line range of every block."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    lines, ranges = [], []
    for block in blocks:
        if lines:
            lines.append("")
        ranges.append(range(len(lines) + 1, len(lines) + len(block) + 1))
        lines.extend(block)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, ranges


def make_workspace(directory):
    """Creates the workspace under `directory` (made if absent) and describes it."""
    root = pathlib.Path(directory).resolve()
    root.mkdir(parents=True, exist_ok=True)
    paragraphs, questions, relevant = _squad()

    blocks, answer_block = [], None
    for article in LONG_ARTICLES:
        title = paragraphs[f"{article}-0"]["title"]
        blocks.append([title, "=" * len(title)])
        for number in range(PARAGRAPHS_PER_ARTICLE):
            paragraph_id = f"{article}-{number}"
            if paragraph_id == ANSWER_ID:
                answer_block = len(blocks)
            blocks.append(_wrap(paragraphs[paragraph_id]["text"]).splitlines())
    assert answer_block is not None, f"{ANSWER_ID} is not among the long file's paragraphs"
    answer_path, ranges = _write(root, LONG_FILE, blocks)
    indexed = [answer_path]

    for relative, title, ids in OTHER_FILES:
        heading = [f"# {title}"] if relative.endswith(".md") else [title, "=" * len(title)]
        path, _ = _write(root, relative, [heading] + [_wrap(paragraphs[i]["text"]).splitlines() for i in ids])
        indexed.append(path)

    edit_old_text = _wrap(paragraphs[EDIT_OLD[0]]["text"]) + "\n"
    edit_new_text = _wrap(paragraphs[EDIT_NEW[0]]["text"]) + "\n"
    edit_path = root / EDIT_FILE
    edit_path.write_text(edit_old_text, encoding="utf-8")
    indexed.append(edit_path)

    (root / HIDDEN_FILE).write_text(_wrap(paragraphs["Rhine-10"]["text"]) + "\n", encoding="utf-8")
    (root / ".gitignore").write_text(IGNORED_FILE.split("/")[0] + "/\n", encoding="utf-8")
    (root / IGNORED_FILE).parent.mkdir(parents=True, exist_ok=True)
    (root / IGNORED_FILE).write_text(_wrap(paragraphs["Geology-10"]["text"]) + "\n", encoding="utf-8")

    return EditorWorkspace(
        root=root,
        query=_question(questions, relevant, QUERY_ID, ANSWER_ID),
        answer_path=answer_path,
        answer_lines=ranges[answer_block],
        answer_text="\n".join(blocks[answer_block]),
        edit_path=edit_path,
        edit_old_text=edit_old_text,
        edit_old_query=_question(questions, relevant, EDIT_OLD[1], EDIT_OLD[0]),
        edit_new_text=edit_new_text,
        edit_new_query=_question(questions, relevant, EDIT_NEW[1], EDIT_NEW[0]),
        indexed_files=tuple(sorted(indexed)),
    )
