"""The Emacs client, Clients/emacs/hypencoder.el, used as a user would in a batch Emacs
(`emacs --batch -Q -L Clients/emacs -l hypencoder`) against the real daemon and the default
model: index a workspace of real text (editor_workspace.py), search it into the *hypencoder*
grep buffer and follow a hit, re-index a file on save, cancel a search with a newer one,
and say clearly when no daemon answers. The scenarios are in editor_emacs_driver.el; each
writes what it saw as JSON for the checks here. What the daemon holds after a save is
checked from Python through a direct JSON-RPC connection, not through the client.

Every Emacs run has a subprocess timeout and every wait inside it a deadline of its own,
so a missing reply fails the test instead of hanging it.
"""

import json
import os
import pathlib
import re
import shutil
import socket
import subprocess

import pytest

from daemon_process import REPOSITORY, TIMEOUT, small_model
from editor_workspace import make_workspace
from raw_client import RawClient

CLIENT = REPOSITORY / "Clients" / "emacs"
DRIVER = pathlib.Path(__file__).resolve().with_name("editor_emacs_driver.el")
EMACS = shutil.which("emacs")
#: Seconds one wait inside Emacs may take (indexing the workspace with the real model is the
#: longest), and the bound on a whole Emacs run.
WAIT = 2 * TIMEOUT
RUN_BOUND = 3 * TIMEOUT
#: How far down the results the answering passage must be (editor_workspace.py picked a
#: question the default model ranks first).
TOP = 3
#: A result line of the *hypencoder* buffer: FILE:LINE: snippet.
RESULT_LINE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+): (?P<snippet>.*)$", re.MULTILINE)
REQUEST_CANCELLED = -32800
#: The second query of the cancellation test: not ASCII, about the long file's Amazon article.
SECOND_QUERY = "Floresta Amazônica — où est la forêt tropicale la plus grande ?"

# Scripts/setup-debian installs emacs-nox, so a missing Emacs is a failure, not a skip.
assert EMACS is not None, "emacs is not installed: run Scripts/setup-debian (Debian: emacs-nox)"


def emacs(arguments, environment=None, cwd=None, stdin=""):
    env = dict(os.environ)
    env.update(environment or {})
    return subprocess.run([EMACS, "--batch", "-Q", *arguments], env=env, cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=RUN_BOUND)


def run_scenario(scenario, tmp_path, socket_path, stdin="", **inputs):
    """Runs `hc-test-SCENARIO` of the driver (STDIN is what its minibuffer reads); returns
    its report and Emacs's stderr."""
    out = tmp_path / f"emacs-{scenario}.json"
    home = tmp_path / "emacs-home"
    home.mkdir(exist_ok=True)
    environment = {"HOME": str(home), "HYPENCODER_SOCKET": str(socket_path), "HC_OUT": str(out),
                   "HC_TIMEOUT": str(WAIT)}
    environment.update({f"HC_{name.upper()}": str(value) for name, value in inputs.items()})
    run = emacs(["-L", str(CLIENT), "-l", "hypencoder", "-l", str(DRIVER), "-f", f"hc-test-{scenario}"],
                environment, cwd=tmp_path, stdin=stdin)
    report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    assert run.returncode == 0 and report and "failure" not in report, (
        f"emacs scenario {scenario}: exit {run.returncode}, {report.get('failure')}\n"
        f"stderr:\n{run.stderr[-4000:]}")
    return report, run.stderr


def result_lines(buffer):
    """The FILE:LINE: snippet lines of the *hypencoder* buffer, in order, as
    (absolute path, line, snippet)."""
    directory = pathlib.Path(buffer["directory"]).expanduser()
    header, _, body = buffer["text"].partition("\n\n")
    assert header.startswith("-*- mode: grep;"), buffer["text"][:300]
    return [((directory / m["file"]).resolve(), int(m["line"]), m["snippet"]) for m in RESULT_LINE.finditer(body)]


def file_line(path, number):
    return pathlib.Path(path).read_text(encoding="utf-8").split("\n")[number - 1]


@pytest.fixture
def workspace(tmp_path):
    return make_workspace(tmp_path / "ws")


@pytest.fixture
def daemon(start_daemon, tmp_path):
    return start_daemon(["--model", small_model(), "--index", str(tmp_path / "index")])


def test_emacs_is_recent_enough():
    run = emacs(["--eval", '(princ emacs-version)'])
    assert run.returncode == 0, run.stderr
    assert tuple(int(part) for part in run.stdout.split(".")[:2]) >= (28, 1), run.stdout


def test_index_then_search_lists_the_answer_in_a_grep_buffer(daemon, workspace, tmp_path):
    report, stderr = run_scenario("search-scenario", tmp_path, daemon.socket_path, stdin=workspace.query + "\n",
                                  root=workspace.root, query=workspace.query, file=workspace.answer_path)

    # Indexing: every text file read; the hidden file and the .gitignore'd directory skipped.
    first, second = report["indexes"]
    assert first["status"] == "done" and first["root"] == str(workspace.root), first
    result = first["data"]
    assert result["root"] == str(workspace.root), result
    assert result["files"]["indexed"] == len(workspace.indexed_files), result
    assert result["passages"]["added"] >= len(workspace.indexed_files), result
    assert result["skipped"]["hidden"] >= 1 and result["skipped"]["ignored"] >= 1, result
    # Indexing again finds nothing changed.
    assert second["status"] == "done", second
    assert second["data"]["files"] == {"indexed": 0, "unchanged": len(workspace.indexed_files), "removed": 0}, second
    assert second["data"]["passages"]["added"] == 0, second

    # Progress came as $/progress notifications for the request's workDoneToken: begin,
    # reports of files done, end; and the user saw the summary.
    token = report["progress"][0]["token"]
    kinds = [p["value"]["kind"] for p in report["progress"] if p["token"] == token]
    assert kinds[0] == "begin" and kinds[-1] == "end" and "report" in kinds, kinds
    reports = [p["value"] for p in report["progress"] if p["token"] == token and p["value"]["kind"] == "report"]
    assert all(re.fullmatch(r"\d+/\d+ files", r.get("message", "")) for r in reports), reports
    assert f"{len(workspace.indexed_files)}/{len(workspace.indexed_files)} files" in reports[-1]["message"], reports
    summary = f"Hypencoder: indexed {workspace.root}: {len(workspace.indexed_files)} files indexed"
    assert summary in report["messages"] and summary in stderr, report["messages"]
    assert f"Hypencoder: indexing {workspace.root}...done" in report["messages"], report["messages"]

    # The *hypencoder* buffer: grep-mode, one FILE:LINE: snippet line per hit, best first.
    buffer = report["buffer"]
    assert buffer["mode"] == "grep-mode" and buffer["query"] == workspace.query, buffer["text"][:500]
    hits = buffer["results"]
    lines = result_lines(buffer)
    assert hits and len(lines) == len(hits) <= 20, buffer["text"]
    scores = [hit["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True), scores
    for (path, number, snippet), hit in zip(lines, hits):
        assert str(path) == hit["path"], (path, hit)
        assert hit["line"] <= number <= hit["endLine"], (number, hit)
        # LINE is the line the snippet shows: the passage's first non-blank line, as in the file.
        assert snippet == file_line(path, number).strip() and snippet, (path, number, snippet)
        first_text_line = next(line for line in hit["text"].split("\n") if line.strip())
        assert snippet == first_text_line.strip(), (snippet, hit["text"][:200])

    # The answer: its file, at a line of a passage that overlaps the answering paragraph.
    answering = [(path, number) for (path, number, _), hit in zip(lines[:TOP], hits[:TOP])
                 if workspace.overlaps_answer(path, hit["line"], hit["endLine"])]
    assert answering, f"answer {workspace.answer_path}:{workspace.answer_lines} not in the top {TOP}:\n{buffer['text']}"

    # Following the first hit (compile-goto-error) visits that file at that line.
    path, number, snippet = lines[0]
    assert report["visited"] == {"file": str(path), "line": number, "text": file_line(path, number)}, report["visited"]

    # M-x hypencoder-search typed in a buffer visiting a file searches that file's
    # workspace: the same passages, listed relative to the file's directory.
    again = report["fileBuffer"]
    assert report["fileSearchPath"] == str(workspace.answer_path), report["fileSearchPath"]
    assert pathlib.Path(again["directory"]) == workspace.answer_path.parent and again["query"] == workspace.query
    assert [(h["path"], h["line"]) for h in again["results"]] == [(h["path"], h["line"]) for h in hits]
    assert [line[:2] for line in result_lines(again)] == [line[:2] for line in lines]


def test_saving_a_file_with_the_mode_on_reindexes_it(daemon, workspace, tmp_path, schema):
    report, _ = run_scenario("save-scenario", tmp_path, daemon.socket_path, root=workspace.root,
                             edit_file=workspace.edit_path, edit_text=workspace.edit_new_text)
    assert report["hookOn"] is True and report["hookOff"] is False, report
    assert workspace.edit_path.read_text(encoding="utf-8") == workspace.edit_new_text
    (update,) = report["updates"]
    assert update["file"] == str(workspace.edit_path) and update["status"] == "done", update
    assert update["data"]["files"]["indexed"] == 1 and update["data"]["outside"] == 0, update
    assert update["data"]["passages"]["added"] >= 1 and update["data"]["passages"]["removed"] >= 1, update

    # What the daemon now holds, asked directly: the new text is found, the old one is gone.
    client = RawClient(daemon.socket_path, schema)
    try:
        new = client.result("search", {"query": workspace.edit_new_query, "workspace": str(workspace.root),
                                       "k": 5, "include": ["text"]})["results"]
        old = client.result("search", {"query": workspace.edit_old_query, "workspace": str(workspace.root),
                                       "k": 50, "include": ["text"]})["results"]
    finally:
        client.close()
    assert new[0]["path"] == str(workspace.edit_path), new[0]
    new_first_line = workspace.edit_new_text.split("\n")[0]
    assert any(new_first_line in hit["text"] for hit in new if hit["path"] == str(workspace.edit_path)), new
    old_first_line = workspace.edit_old_text.split("\n")[0]
    assert not any(old_first_line in hit["text"] for hit in old), [h["text"][:80] for h in old]


def test_a_new_search_cancels_the_running_one(start_daemon, workspace, tmp_path, schema):
    # One worker, kept busy by a slow request from another connection, so that the first
    # search is surely still waiting when the second one cancels it.
    daemon = start_daemon(["--model", small_model(), "--index", str(tmp_path / "index"),
                           "--workers", "1", "--debug-methods"])
    blocker = RawClient(daemon.socket_path, schema)
    try:
        blocker.result("workspace/index", {"root": str(workspace.root)})
        sleep = blocker.request("debug/sleep", {"milliseconds": 4000})
        blocker.send(sleep)
        report, _ = run_scenario("cancel-scenario", tmp_path, daemon.socket_path, root=workspace.root,
                                 query=workspace.query, query2=SECOND_QUERY)
        assert blocker.reply_to(sleep["id"])["result"] == {"slept": 4000}
    finally:
        blocker.close()
    ends = {entry["id"]: entry for entry in report["searches"]}
    assert set(ends) == {report["firstId"], report["secondId"]}, report["searches"]
    first, second = ends[report["firstId"]], ends[report["secondId"]]
    assert first["status"] == "cancelled" and first["data"]["code"] == REQUEST_CANCELLED, first
    assert second["status"] == "done" and second["data"]["results"], second
    # The buffer shows the second search, and only it; its query went out whole although
    # not ASCII (Content-Length counts UTF-8 bytes) and found the Amazon article.
    buffer = report["buffer"]
    assert buffer["query"] == SECOND_QUERY, buffer["text"][:300]
    assert f'Hypencoder search for "{SECOND_QUERY}"' in buffer["text"]
    assert second["data"]["results"][0]["path"] == str(workspace.answer_path), second["data"]["results"][0]
    assert workspace.query not in buffer["text"]
    assert len(result_lines(buffer)) == len(second["data"]["results"]), buffer["text"]


def test_hypencoder_cancel_stops_indexing(start_daemon, workspace, tmp_path, schema):
    daemon = start_daemon(["--model", small_model(), "--index", str(tmp_path / "index"),
                           "--workers", "1", "--debug-methods"])
    blocker = RawClient(daemon.socket_path, schema)
    try:
        sleep = blocker.request("debug/sleep", {"milliseconds": 3000})
        blocker.send(sleep)
        report, _ = run_scenario("cancel-index-scenario", tmp_path, daemon.socket_path, root=workspace.root)
        blocker.reply_to(sleep["id"])
        # Nothing was indexed: searching the workspace still says to index it first.
        unindexed = blocker.call("search", {"query": workspace.query, "workspace": str(workspace.root)})
    finally:
        blocker.close()
    (end,) = report["indexes"]
    assert end["status"] == "cancelled" and end["data"]["code"] == REQUEST_CANCELLED, end
    assert "Hypencoder: cancelling 1 request" in report["messages"], report["messages"]
    assert f"Hypencoder: indexing {workspace.root} cancelled" in report["messages"], report["messages"]
    assert unindexed["error"]["data"]["path"] == "params.workspace", unindexed


def test_searching_a_directory_never_indexed_says_to_index_it(daemon, workspace, tmp_path):
    report, _ = run_scenario("unindexed-scenario", tmp_path, daemon.socket_path,
                             root=workspace.root, query=workspace.query)
    (end,) = report["searches"]
    assert end["status"] == "failed", end
    assert end["data"]["code"] == -32602 and end["data"]["data"]["path"] == "params.workspace", end
    assert "index" in end["data"]["message"].lower(), end
    assert "M-x hypencoder-index" in report["buffer"]["text"], report["buffer"]["text"]
    assert "hypencoder-index" in report["messages"], report["messages"]


@pytest.mark.parametrize("situation", ["no socket file", "nobody listening"])
def test_no_daemon_is_a_clear_user_error_and_saving_still_works(situation, workspace, tmp_path):
    socket_path = tmp_path / "none.sock"
    listener = None
    if situation == "nobody listening":
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(socket_path))  # bound, never listening: connections are refused
    try:
        report, _ = run_scenario("no-daemon-scenario", tmp_path, socket_path, root=workspace.root,
                                 edit_file=workspace.edit_path)
    finally:
        if listener:
            listener.close()
    for key in ("searchError", "indexError"):
        error = report[key]
        assert error != "no error" and error["type"] == "user-error", report
        assert error["message"].startswith("Hypencoder: no daemon answers at ") and str(socket_path) in error["message"], error
        assert "hypencoderd" in error["message"] and "hypencoder-socket" in error["message"], error
    assert report["save"] == "saved", report
    assert workspace.edit_path.read_text(encoding="utf-8").endswith("One more line.\n")
    (update,) = report["updates"]
    assert update["status"] == "failed" and str(socket_path) in update["data"]["message"], update


def test_socket_path_follows_the_option_then_the_variable_then_the_daemon_default(tmp_path):
    def resolved(**variables):
        out = tmp_path / "socket.json"
        environment = {name: value for name, value in os.environ.items()
                       if name not in ("HYPENCODER_SOCKET", "XDG_RUNTIME_DIR")}
        environment.update(variables, HC_OUT=str(out), HOME=str(tmp_path))
        run = subprocess.run([EMACS, "--batch", "-Q", "-L", str(CLIENT), "-l", "hypencoder", "-l", str(DRIVER),
                              "-f", "hc-test-socket-path"], env=environment, capture_output=True, text=True,
                             timeout=RUN_BOUND)
        assert run.returncode == 0, run.stderr
        report = json.loads(out.read_text())
        return {"path": report["path"], "custom": report["custom"]}

    default = "/run/hypencoder/hypencoder.sock" if os.getuid() == 0 else f"/tmp/hypencoder-{os.getuid()}.sock"
    assert resolved() == {"path": default, "custom": "/srv/custom/h.sock"}
    assert resolved(XDG_RUNTIME_DIR="/run/user/7")["path"] == "/run/user/7/hypencoder.sock"
    assert resolved(XDG_RUNTIME_DIR="/run/user/7/")["path"] == "/run/user/7/hypencoder.sock"
    assert resolved(XDG_RUNTIME_DIR="")["path"] == default
    chosen = resolved(HYPENCODER_SOCKET="/srv/h.sock", XDG_RUNTIME_DIR="/run/user/7")
    assert chosen == {"path": "/srv/h.sock", "custom": "/srv/custom/h.sock"}
    assert resolved(HYPENCODER_SOCKET="", XDG_RUNTIME_DIR="/run/user/7")["path"] == "/run/user/7/hypencoder.sock"


def test_byte_compiles_without_warnings_and_passes_checkdoc(tmp_path):
    copy = tmp_path / "hypencoder.el"
    shutil.copy(CLIENT / "hypencoder.el", copy)
    run = emacs(["-L", str(tmp_path), "--eval", "(setq byte-compile-error-on-warn t)",
                 "-f", "batch-byte-compile", str(copy)], cwd=tmp_path)
    assert run.returncode == 0 and (tmp_path / "hypencoder.elc").exists(), run.stderr
    assert "Warning" not in run.stderr and "Error" not in run.stderr, run.stderr
    checkdoc = emacs(["--eval", "(progn (require 'checkdoc) (setq checkdoc-spellcheck-documentation-flag nil)"
                      f" (checkdoc-file {json.dumps(str(copy))}))"], cwd=tmp_path)
    assert checkdoc.returncode == 0 and checkdoc.stderr.strip() == "", checkdoc.stderr
    # The compiled file loads and defines the commands.
    loaded = emacs(["-L", str(tmp_path), "-l", "hypencoder", "--eval",
                    "(princ (list (commandp 'hypencoder-search) (commandp 'hypencoder-index)"
                    " (commandp 'hypencoder-mode) (commandp 'hypencoder-cancel) (featurep 'hypencoder)))"])
    assert loaded.returncode == 0 and loaded.stdout == "(t t t t t)", (loaded.stdout, loaded.stderr)


def test_installs_as_a_package_with_autoloaded_commands(tmp_path):
    text = (CLIENT / "hypencoder.el").read_text(encoding="utf-8")
    assert text.split("\n", 1)[0].endswith("-*- lexical-binding: t; -*-"), text.split("\n", 1)[0]
    assert text.rstrip().endswith(";;; hypencoder.el ends here") and "(provide 'hypencoder)" in text
    packages = tmp_path / "elpa"
    setup = (f'(progn (require (quote package)) (setq package-user-dir {json.dumps(str(packages))}'
             ' package-archives nil) (package-initialize)')
    install = emacs(["--eval", setup + f' (package-install-file {json.dumps(str(CLIENT / "hypencoder.el"))}))'],
                    {"HOME": str(tmp_path)})
    assert install.returncode == 0, install.stderr
    assert "Warning" not in install.stderr, install.stderr
    describe = emacs(["--eval", setup + """
      (let ((package (cadr (assq 'hypencoder package-alist))))
        (princ (json-serialize
                (list :version (package-version-join (package-desc-version package))
                      :requires (format "%S" (package-desc-reqs package))
                      :url (or (alist-get :url (package-desc-extras package)) "")
                      :autoloaded (vconcat (mapcar (lambda (name)
                                                     (if (autoloadp (symbol-function name)) t :json-false))
                                                   '(hypencoder-search hypencoder-index hypencoder-mode
                                                     hypencoder-cancel)))
                      :loaded (if (featurep 'hypencoder) t :json-false))
                :false-object :json-false))))"""], {"HOME": str(tmp_path)})
    assert describe.returncode == 0, describe.stderr
    info = json.loads(describe.stdout)
    assert info["version"] == "0.1.0" and info["requires"] == "((emacs (28 1)))", info
    # The commands exist after package-initialize without loading the library.
    assert info["autoloaded"] == [True] * 4 and info["loaded"] is False, info
