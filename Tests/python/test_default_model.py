"""Without --model the daemon uses $HYPENCODER_MODEL, else the default-model link under
${XDG_DATA_HOME:-$HOME/.local/share}/hypencoder/, else starts without a model."""

import os

from daemon_process import small_model
from raw_client import RawClient

MODEL_NOT_LOADED = -32020


def model_info(daemon, schema):
    return RawClient(daemon.socket_path, schema).call("model/info")


def test_environment_variable_names_the_model(start_daemon, schema):
    daemon = start_daemon(environment={"HYPENCODER_MODEL": small_model()})
    assert model_info(daemon, schema)["result"]["documentDimension"] > 0
    assert "$HYPENCODER_MODEL" in daemon.log


def test_link_in_the_data_home_is_the_default(start_daemon, schema, tmp_path):
    data_home = tmp_path / "data"
    (data_home / "hypencoder").mkdir(parents=True)
    os.symlink(small_model(), data_home / "hypencoder" / "default-model")
    daemon = start_daemon(environment={"XDG_DATA_HOME": str(data_home)})
    assert "result" in model_info(daemon, schema)
    assert "default-model" in daemon.log


def test_without_any_default_there_is_no_model(start_daemon, schema):
    daemon = start_daemon()
    reply = model_info(daemon, schema)
    assert reply["error"]["code"] == MODEL_NOT_LOADED
    assert "--model" in reply["error"]["message"]


def test_help_documents_the_default_model():
    import subprocess
    from daemon_process import daemon_executable
    text = subprocess.run([daemon_executable(), "--help"], capture_output=True, text=True, check=True).stdout
    assert "$HYPENCODER_MODEL" in text and "hypencoder/default-model" in text
