"""The Vim and Neovim plugin (Clients/vim) against the real daemon and the default model.

Each test runs a headless editor (`vim -N -u NONE -es`, `nvim --headless -u NONE`) on a script
that loads the plugin from the clone, drives its commands, waits for the daemon's replies
(`hypencoder#wait`) and writes what it saw - the quickfix list, the plugin's state
(`hypencoder#status()`), its messages - as JSON to a file this test reads. Every editor run
has a timeout, so a plugin that hangs fails the test instead of stopping the suite.

The workspace is real text (SQuAD paragraphs, editor_workspace.py): indexing it with
:HypencoderIndex and asking its question with :HypencoderSearch must put the answering
paragraph of the long file among the first quickfix entries.
"""

import json
import os
import shutil
import socket
import subprocess

import pytest

from daemon_process import REPOSITORY, TIMEOUT, small_model
from editor_workspace import make_workspace
from raw_client import RawClient, wait_until

PLUGIN = REPOSITORY / "Clients" / "vim"
EDITORS = ("vim", "nvim")
#: Seconds a whole editor run may take (indexing the workspace included).
EDITOR_TIMEOUT = 3 * TIMEOUT
#: Milliseconds a script waits for the plugin's requests (hypencoder#wait).
WAIT_MS = 2 * TIMEOUT * 1000
#: How many of the first results the answer must be among.
TOP = 3
CANCELLED = -32800


def vim_string(text):
    """A Vimscript string literal of text."""
    return "'" + str(text).replace("'", "''") + "'"


def editor_command(editor, script):
    if editor == "vim":
        return ["vim", "-N", "-u", "NONE", "-i", "NONE", "-n", "-es", "-S", str(script)]
    return ["nvim", "--headless", "-u", "NONE", "-i", "NONE", "-n", "-S", str(script)]


PRELUDE = """\
set nocompatible nomore shortmess+=F
let &runtimepath = {plugin} . ',' . &runtimepath
runtime plugin/hypencoder.vim
let g:test = {{}}
function! QuickfixEntries() abort
  return map(getqflist(), {{_, e -> {{'file': fnamemodify(bufname(e.bufnr), ':p'), 'lnum': e.lnum,
        \\ 'end_lnum': get(e, 'end_lnum', 0), 'text': e.text, 'valid': e.valid}}}})
endfunction
function! Wait() abort
  if !hypencoder#wait({wait})
    let g:test.timed_out = get(g:test, 'timed_out', 0) + 1
  endif
endfunction
try
"""

POSTLUDE = """
catch
  let g:test.exception = v:exception . ' at ' . v:throwpoint
endtry
call writefile([json_encode(g:test)], {output})
qa!
"""


def require(editor):
    # Scripts/setup-debian installs both editors, so a missing one is a failure, not a skip.
    assert shutil.which(editor), f"{editor} is not installed: run Scripts/setup-debian"


def run_editor(editor, tmp_path, body, socket_path=None, environment=None, while_running=None):
    """Runs body (Vimscript, inside a try) in a headless editor with the plugin loaded;
    returns g:test as the script left it. while_running(process), if given, is called once
    the editor has started."""
    require(editor)
    home = tmp_path / f"home-{editor}"
    home.mkdir(exist_ok=True)
    output = tmp_path / f"{editor}-result.json"
    if output.exists():
        output.unlink()
    script = tmp_path / f"{editor}-script.vim"
    script.write_text(PRELUDE.format(plugin=vim_string(PLUGIN), wait=WAIT_MS) + body
                      + POSTLUDE.format(output=vim_string(output)), encoding="utf-8")
    env = dict(os.environ)
    for variable in ("HYPENCODER_SOCKET", "XDG_RUNTIME_DIR", "VIMINIT", "EXINIT", "MYVIMRC"):
        env.pop(variable, None)
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".data"),
               XDG_STATE_HOME=str(home / ".state"), XDG_CACHE_HOME=str(home / ".cache"))
    if socket_path is not None:
        env["HYPENCODER_SOCKET"] = str(socket_path)
    env.update(environment or {})
    with subprocess.Popen(editor_command(editor, script), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env, cwd=tmp_path) as process:
        try:
            if while_running is not None:
                while_running(process)
            stdout, stderr = process.communicate(timeout=EDITOR_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
            raise AssertionError(f"{editor} did not finish within {EDITOR_TIMEOUT} s; output: "
                                 f"{stdout!r:.2000} {stderr!r:.2000}")
        finally:
            if process.poll() is None:
                process.kill()
    assert output.exists(), (f"{editor} exited ({process.returncode}) without writing its result; "
                             f"stdout {stdout!r:.2000} stderr {stderr!r:.2000}")
    result = json.loads(output.read_text(encoding="utf-8"))
    assert "exception" not in result, f"{editor}: {result['exception']}"
    assert not result.get("timed_out"), f"{editor}: the plugin's requests did not finish: {result}"
    return result


def messages(status, kind=None):
    return [m["text"] for m in status["messages"] if kind is None or m["kind"] == kind]


def check_quickfix_matches_results(entries, results):
    """Every quickfix entry is its result's file, a line of its passage and that line's text."""
    assert len(entries) == len(results) > 0
    scores = [hit["score"] for hit in results]
    assert scores == sorted(scores, reverse=True), "results not best first"
    for entry, hit in zip(entries, results):
        assert entry["valid"] and entry["file"] == hit["path"], (entry, hit)
        assert hit["line"] <= entry["lnum"] <= hit["endLine"], (entry, hit)
        lines = open(hit["path"], encoding="utf-8").read().splitlines()
        assert entry["text"] and lines[entry["lnum"] - 1].strip() == entry["text"], (entry, hit)
        # The snippet is the passage's first non-blank line.
        assert all(not line.strip() for line in lines[hit["line"] - 1:entry["lnum"] - 1]), (entry, hit)


def answer_rank(workspace, entries, results):
    """Where the first entry inside a passage overlapping the answer paragraph is, or None."""
    for rank, (entry, hit) in enumerate(zip(entries, results)):
        if entry["file"] == str(workspace.answer_path) and workspace.overlaps_answer(
                hit["path"], hit["line"], hit["endLine"]):
            return rank
    return None


def index_directly(daemon, schema, root):
    client = RawClient(daemon.socket_path, schema)
    try:
        return client.result("workspace/index", {"root": str(root)})
    finally:
        client.close()


@pytest.mark.parametrize("editor", EDITORS)
def test_index_then_search_puts_the_answer_in_the_quickfix_list(editor, start_daemon, tmp_path):
    daemon = start_daemon(["--model", small_model(), "--index", str(tmp_path / "index")])
    workspace = make_workspace(tmp_path / "ws")
    elsewhere = tmp_path / "elsewhere.txt"  # in no workspace
    elsewhere.write_text("a file in no indexed workspace\n", encoding="utf-8")
    result = run_editor(editor, tmp_path, f"""
  execute 'cd ' . fnameescape({vim_string(workspace.root)})
  HypencoderIndex
  call Wait()
  let g:test.index = hypencoder#status()
  execute 'edit ' . fnameescape({vim_string(workspace.edit_path)})
  execute 'HypencoderSearch ' . {vim_string(workspace.query)}
  call Wait()
  let g:test.search = hypencoder#status()
  let g:test.quickfix = QuickfixEntries()
  let g:test.title = getqflist({{'title': 1}}).title
  let g:test.quickfix_open = getqflist({{'winid': 0}}).winid != 0
  let g:test.window = bufname('%')
  execute 'edit ' . fnameescape({vim_string(elsewhere)})
  execute 'HypencoderSearch ' . {vim_string(workspace.query)}
  call Wait()
  let g:test.fallback = hypencoder#status().last_search
  execute 'cd ' . fnameescape({vim_string(tmp_path)})
  execute 'HypencoderSearch ' . {vim_string(workspace.query)}
  call Wait()
  let g:test.unindexed = hypencoder#status()
""", socket_path=daemon.socket_path)

    # :HypencoderIndex with no argument indexed the working directory, with progress and a summary.
    index = result["index"]
    assert "result" in index["last_index"], index["last_index"]
    summary = index["last_index"]["result"]
    assert summary["root"] == str(workspace.root)
    assert summary["files"] == {"indexed": len(workspace.indexed_files), "unchanged": 0, "removed": 0}
    assert summary["skipped"]["hidden"] >= 1 and summary["skipped"]["ignored"] >= 1, summary
    tokens = {p["token"] for p in index["progress"]}
    assert len(tokens) == 1, index["progress"]
    kinds = [p["value"]["kind"] for p in index["progress"]]
    assert kinds[0] == "begin" and kinds[-1] == "end" and "report" in kinds, kinds
    assert any(f"{summary['files']['indexed']} files indexed" in text and str(workspace.root) in text
               for text in messages(index, "info")), index["messages"]
    assert not messages(index, "error")

    # :HypencoderSearch from a file of the workspace: the quickfix list, best first, titled by
    # the query, opened without taking the cursor, with the answer among the first entries.
    search = result["search"]
    assert not messages(search, "error"), search["messages"]
    assert search["last_search"]["workspace"] == str(workspace.edit_path)
    results = search["last_search"]["results"]
    assert len(results) == 20  # g:hypencoder_results' default; the workspace has more passages
    entries = result["quickfix"]
    check_quickfix_matches_results(entries, results)
    assert result["title"] == "Hypencoder: " + workspace.query
    assert result["quickfix_open"] and result["window"] == str(workspace.edit_path)
    rank = answer_rank(workspace, entries, results)
    assert rank is not None and rank < TOP, (
        f"the answer ({workspace.answer_path}:{workspace.answer_lines}) is not in the first {TOP}: "
        + json.dumps(entries[:TOP], indent=1))

    # From a file in no indexed workspace, the working directory's workspace is searched...
    fallback = result["fallback"]
    assert fallback["workspace"] == str(workspace.root) and fallback["results"] == results, fallback
    # ... and with neither indexed, the daemon's error says to index one, as does the plugin.
    unindexed = result["unindexed"]["last_search"]
    assert unindexed["workspace"] == str(tmp_path), unindexed
    assert unindexed["error"]["data"]["path"] == "params.workspace", unindexed
    errors = messages(result["unindexed"], "error")
    assert len(errors) == 1 and str(tmp_path) in errors[0] and ":HypencoderIndex" in errors[0], errors
    assert daemon.process.poll() is None


@pytest.mark.parametrize("editor", EDITORS)
def test_saving_a_file_reindexes_it(editor, start_daemon, tmp_path, schema):
    daemon = start_daemon(["--model", small_model(), "--index", str(tmp_path / "index")])
    workspace = make_workspace(tmp_path / "ws")
    collection = index_directly(daemon, schema, workspace.root)["collection"]
    outside = tmp_path / "outside.txt"
    outside.write_text("not in any workspace\n", encoding="utf-8")
    new_lines = workspace.edit_new_text.splitlines()
    result = run_editor(editor, tmp_path, f"""
  execute 'edit ' . fnameescape({vim_string(outside)})
  call setline(1, 'still not in any workspace')
  write
  call Wait()
  let g:test.outside = hypencoder#status()
  execute 'edit ' . fnameescape({vim_string(workspace.edit_path)})
  silent %delete _
  call setline(1, {json.dumps(new_lines)})
  write
  call Wait()
  let g:test.inside = hypencoder#status()
""", socket_path=daemon.socket_path)

    # A file in no workspace: workspace/update says so, and nobody is bothered.
    outside_update = result["outside"]["last_update"]
    assert outside_update.get("path") == str(outside) and "result" in outside_update, outside_update
    assert outside_update["result"]["outside"] == 1, outside_update
    assert not result["outside"]["messages"]

    update = result["inside"]["last_update"]
    assert update.get("path") == str(workspace.edit_path) and "result" in update, update
    assert update["result"]["files"]["indexed"] == 1 and update["result"]["passages"]["removed"] >= 1, update
    assert not result["inside"]["messages"]
    assert workspace.edit_path.read_text(encoding="utf-8") == workspace.edit_new_text

    # What the daemon now finds, asked directly: the new text, and the old one nowhere.
    client = RawClient(daemon.socket_path, schema)
    try:
        found = client.result("search", {"query": workspace.edit_new_query, "workspace": str(workspace.root),
                                          "k": 3, "include": ["text"]})["results"]
        assert found[0]["path"] == str(workspace.edit_path), found
        assert found[0]["text"].strip() in workspace.edit_new_text, found[0]
        everything = client.result("search", {"query": workspace.edit_old_query, "collection": collection,
                                               "k": 10000, "include": ["text"]})["results"]
        first_old_line = workspace.edit_old_text.splitlines()[0]
        assert not [hit for hit in everything if first_old_line in hit["text"]]
        in_file = [hit for hit in everything if hit["path"] == str(workspace.edit_path)]
        assert in_file and all(hit["text"].strip() in workspace.edit_new_text for hit in in_file), in_file
    finally:
        client.close()


@pytest.mark.parametrize("editor", EDITORS)
def test_a_new_search_cancels_the_running_one(editor, start_daemon, tmp_path, schema):
    # One worker, kept busy by a debug/sleep until the editor has sent its requests (it says so
    # in a file): they wait in the queue, so the index and the first search are certainly
    # still pending when they are cancelled. Then the sleep is cancelled and the queue runs.
    daemon = start_daemon(["--model", small_model(), "--index", str(tmp_path / "index"),
                           "--workers", "1", "--debug-methods"])
    workspace = make_workspace(tmp_path / "ws")
    index_directly(daemon, schema, workspace.root)
    other = tmp_path / "other"
    other.mkdir()
    (other / "note.txt").write_text("a directory whose indexing is cancelled\n", encoding="utf-8")
    blocker = RawClient(daemon.socket_path, schema)
    sleep = blocker.request("debug/sleep", {"milliseconds": 1000 * EDITOR_TIMEOUT})
    blocker.send(sleep)
    sent = tmp_path / "sent"

    def release_the_worker_once_the_editor_has_sent(process):
        wait_until("the editor has sent its requests", lambda: sent.exists() or process.poll() is not None)
        blocker.send({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": sleep["id"]}})

    try:
        result = run_editor(editor, tmp_path, f"""
  execute 'cd ' . fnameescape({vim_string(workspace.root)})
  execute 'HypencoderIndex ' . fnameescape({vim_string(other)})
  let g:test.index_id = values(hypencoder#status().indexing)[0].id
  HypencoderCancel
  execute 'HypencoderSearch ' . {vim_string(workspace.edit_old_query)}
  let g:test.first = hypencoder#status().search
  execute 'HypencoderSearch ' . {vim_string(workspace.query)}
  let g:test.second = hypencoder#status().search
  call writefile(['sent'], {vim_string(sent)})
  call Wait()
  let g:test.status = hypencoder#status()
  let g:test.quickfix = QuickfixEntries()
  let g:test.title = getqflist({{'title': 1}}).title
""", socket_path=daemon.socket_path, while_running=release_the_worker_once_the_editor_has_sent)
        assert blocker.reply_to(sleep["id"])["error"]["code"] == CANCELLED
    finally:
        blocker.close()

    status = result["status"]
    first, second = result["first"], result["second"]
    assert first["query"] == workspace.edit_old_query and second["query"] == workspace.query
    assert status["cancelled"] == [result["index_id"], first["id"]]
    # :HypencoderCancel cancelled the index...
    assert status["last_index"]["root"] == str(other)
    assert status["last_index"]["error"]["code"] == CANCELLED, status["last_index"]
    assert any("cancelled" in text for text in messages(status, "info")), status["messages"]
    # ... and the second search the first: the daemon answered it -32800, and only the
    # second one's results are shown.
    assert status["superseded"] == [{"id": first["id"], "query": workspace.edit_old_query,
                                     "error": status["superseded"][0]["error"]}], status["superseded"]
    assert status["superseded"][0]["error"]["code"] == CANCELLED
    assert status["last_search"]["query"] == workspace.query and not status["search"]
    assert result["title"] == "Hypencoder: " + workspace.query
    check_quickfix_matches_results(result["quickfix"], status["last_search"]["results"])
    assert not messages(status, "error"), status["messages"]


@pytest.mark.parametrize("editor", EDITORS)
def test_a_daemon_that_goes_away_fails_what_is_pending_and_the_next_command_reconnects(
        editor, start_daemon, tmp_path, schema):
    first = start_daemon(["--model", small_model(), "--index", str(tmp_path / "index-1"),
                          "--workers", "1", "--debug-methods"])
    small = tmp_path / "small"
    small.mkdir()
    (small / "note.txt").write_text("Comb jellies swim with rows of cilia.\n", encoding="utf-8")
    index_directly(first, schema, small)
    blocker = RawClient(first.socket_path, schema)
    blocker.send(blocker.request("debug/sleep", {"milliseconds": 1000 * EDITOR_TIMEOUT}))
    sent, restarted = tmp_path / "sent", tmp_path / "restarted"
    second = []

    def kill_the_daemon_and_start_another(process):
        wait_until("the editor has sent its search", lambda: sent.exists() or process.poll() is not None)
        first.process.kill()
        first.process.wait()
        second.append(start_daemon(["--model", small_model(), "--index", str(tmp_path / "index-2")]))
        restarted.write_text(second[0].socket_path, encoding="utf-8")

    try:
        result = run_editor(editor, tmp_path, f"""
  execute 'cd ' . fnameescape({vim_string(small)})
  HypencoderSearch how do comb jellies swim
  let g:test.pending = values(hypencoder#status().pending)
  call writefile(['sent'], {vim_string(sent)})
  call Wait()
  let g:test.lost = hypencoder#status()
  let waited = 0
  while !filereadable({vim_string(restarted)}) && waited < {WAIT_MS}
    sleep 10m
    let waited += 10
  endwhile
  let g:hypencoder_socket = readfile({vim_string(restarted)})[0]
  HypencoderIndex
  call Wait()
  let g:test.again = hypencoder#status()
""", socket_path=first.socket_path, while_running=kill_the_daemon_and_start_another)
    finally:
        blocker.close()

    assert result["pending"] == ["search"]
    lost = result["lost"]
    assert not lost["pending"] and not lost["search"] and not lost["connected"], lost
    assert "connection to hypencoderd lost" in lost["last_search"]["error"]["message"], lost["last_search"]
    errors = messages(lost, "error")
    assert len(errors) == 1 and "connection to hypencoderd lost" in errors[0], errors
    again = result["again"]
    assert again["connected"] and again["socket"] == second[0].socket_path
    assert again["last_index"]["result"]["files"]["indexed"] == 1, again["last_index"]


@pytest.mark.parametrize("editor", EDITORS)
def test_no_daemon_gives_a_clear_message(editor, tmp_path):
    missing = tmp_path / "missing.sock"
    stale = tmp_path / "stale.sock"  # a socket file nobody listens on
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(stale))
    listener.close()
    saved = tmp_path / "saved.txt"
    result = run_editor(editor, tmp_path, f"""
  HypencoderSearch where is the cache flushed
  let g:test.missing = hypencoder#status()
  let $HYPENCODER_SOCKET = {vim_string(stale)}
  HypencoderIndex
  let g:test.stale = hypencoder#status()
  execute 'edit ' . fnameescape({vim_string(saved)})
  call setline(1, 'saved with no daemon')
  write
  let g:test.saved = hypencoder#status()
  let g:test.quickfix = getqflist()
""", socket_path=missing)

    for case, path in (("missing", missing), ("stale", stale)):
        errors = messages(result[case], "error")
        assert len(errors) == (1 if case == "missing" else 2), result[case]["messages"]
        assert errors[-1].startswith(f"no hypencoderd answers at {path} ("), errors
        assert "start the daemon" in errors[-1] and "HYPENCODER_SOCKET" in errors[-1]
        assert not result[case]["pending"] and not result[case]["connected"]
    assert "No such file or directory".lower() in messages(result["missing"])[0].lower()
    assert "connection refused" in messages(result["stale"])[-1].lower()
    # Saving a file with no daemon says nothing.
    assert result["saved"]["messages"] == result["stale"]["messages"]
    assert result["saved"]["updates"] == 0 and result["quickfix"] == []


@pytest.mark.parametrize("editor", EDITORS)
def test_the_socket_is_found_where_the_daemon_puts_it(editor, tmp_path):
    runtime = tmp_path / "runtime"
    body = "  let g:test.path = hypencoder#socket_path()\n"
    cases = [
        ({"HYPENCODER_SOCKET": "/tmp/chosen.sock", "XDG_RUNTIME_DIR": str(runtime)}, "/tmp/chosen.sock"),
        ({"XDG_RUNTIME_DIR": str(runtime)}, f"{runtime}/hypencoder.sock"),
        ({}, "/run/hypencoder/hypencoder.sock" if os.getuid() == 0 else f"/tmp/hypencoder-{os.getuid()}.sock"),
    ]
    for environment, expected in cases:
        assert run_editor(editor, tmp_path, body, environment=environment)["path"] == expected, environment
    chosen = run_editor(editor, tmp_path, "  let g:hypencoder_socket = '/tmp/option.sock'\n" + body,
                        environment={"HYPENCODER_SOCKET": "/tmp/chosen.sock"})
    assert chosen["path"] == "/tmp/option.sock"


def test_installs_as_a_package_with_plug_mappings_only_and_help(tmp_path):
    require("vim")
    start = tmp_path / "pack" / "hypencoder" / "start"
    start.mkdir(parents=True)
    (start / "hypencoder").symlink_to(PLUGIN)
    documentation = tmp_path / "doc"
    shutil.copytree(PLUGIN / "doc", documentation)
    script = tmp_path / "package.vim"
    output = tmp_path / "package.json"
    script.write_text(f"""
let g:test = {{}}
try
  set packpath={tmp_path}
  packloadall
  let g:test.loaded = get(g:, 'loaded_hypencoder', 0)
  let g:test.commands = map(['HypencoderSearch', 'HypencoderIndex', 'HypencoderCancel', 'HypencoderStatus'],
        \\ 'exists(":" . v:val)')
  let g:test.plug = map(['<Plug>(hypencoder-search)', '<Plug>(hypencoder-search-word)', '<Plug>(hypencoder-index)',
        \\ '<Plug>(hypencoder-cancel)'], 'maparg(v:val, "n")')
  let g:test.plug_visual = maparg('<Plug>(hypencoder-search)', 'x')
  let g:test.mappings = split(execute('map') . execute('map!'), "\\n")
  let g:test.autocommands = split(execute('autocmd hypencoder'), "\\n")
  execute 'helptags ' . fnameescape({vim_string(documentation)})
  let g:test.tags = readfile({vim_string(documentation / "tags")})
catch
  let g:test.exception = v:exception . ' at ' . v:throwpoint
endtry
call writefile([json_encode(g:test)], {vim_string(output)})
qa!
""", encoding="utf-8")
    subprocess.run(editor_command("vim", script), stdin=subprocess.DEVNULL, capture_output=True,
                   cwd=tmp_path, env=dict(os.environ, HOME=str(tmp_path)), timeout=EDITOR_TIMEOUT)
    result = json.loads(output.read_text(encoding="utf-8"))
    assert "exception" not in result, result["exception"]
    assert result["loaded"] == 1 and result["commands"] == [2, 2, 2, 2]
    assert all("hypencoder#" in rhs for rhs in result["plug"]) and "hypencoder#" in result["plug_visual"]
    # No default mappings: the only mappings the plugin made are its <Plug> ones.
    own = [line for line in result["mappings"] if "ypencoder" in line]
    assert own and all("<Plug>(hypencoder-" in line.split()[1] for line in own), own
    assert any("BufWritePost" in line for line in result["autocommands"])
    tags = {line.split("\t")[0] for line in result["tags"]}
    assert {"hypencoder", ":HypencoderSearch", ":HypencoderIndex", "g:hypencoder_results",
            "<Plug>(hypencoder-search)"} <= tags, sorted(tags)
