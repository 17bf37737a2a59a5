"""Fixtures shared by the hypencoderd end-to-end tests (see daemon_process.py)."""

import pytest

from daemon_process import DaemonProcess, small_model
from response_schema import ResponseSchema


@pytest.fixture(scope="session")
def schema():
    return ResponseSchema()


@pytest.fixture
def start_daemon():
    """Starts daemons for one test and stops them when it ends."""
    started = []

    def start(arguments=(), **options):
        daemon = DaemonProcess(arguments, **options)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.stop()


@pytest.fixture
def model_daemon(start_daemon, tmp_path):
    """A daemon with the small test model, an empty index and debug methods."""
    return start_daemon(["--model", small_model(), "--index", str(tmp_path / "index"), "--debug-methods"])
