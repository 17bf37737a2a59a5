"""A real `hypencoderd` for one test: its own temporary directory (socket, index, home),
readiness learned from the READY=1 datagram on NOTIFY_SOCKET (as systemd learns it, so no
test sleeps and hopes), its stderr kept for failure messages, and its RSS readable from
/proc for the memory checks.

The binary is $HYPENCODERD if set, else the release build, else the debug build of the
default scratch path (Scripts/test builds release first).
"""

import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]
#: The model the end-to-end tests serve: the default model users get (all-MiniLM-L6-v2 with our
#: trained head, assembled by Scripts/default-model), so these tests run a real Hypencoder.
SMALL_MODEL = REPOSITORY / ".build" / "models" / "hypencoder-default"
#: Seconds any single wait may take before the test fails instead of hanging.
TIMEOUT = 60


def daemon_executable():
    candidates = [os.environ.get("HYPENCODERD")] if os.environ.get("HYPENCODERD") else [
        str(REPOSITORY / ".build" / "release" / "hypencoderd"),
        str(REPOSITORY / ".build" / "debug" / "hypencoderd")]
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    raise AssertionError(f"hypencoderd not found (looked at {candidates}): run `swift build -c release` "
                         "or set HYPENCODERD to the binary")


def small_model():
    """The default model; Scripts/test always assembles it, so its absence is a failure."""
    if not (SMALL_MODEL / "config.json").exists():
        raise AssertionError(f"default model missing at {SMALL_MODEL}: run Scripts/default-model")
    return str(SMALL_MODEL)


class DaemonProcess:
    def __init__(self, arguments=(), environment=None, wait_for_ready=True):
        # Short path: Unix socket paths must stay under 108 bytes.
        self.directory = tempfile.mkdtemp(prefix="hcp.", dir="/tmp")
        self.socket_path = os.path.join(self.directory, "d.sock")
        self.log_path = os.path.join(self.directory, "daemon.log")
        notify_path = os.path.join(self.directory, "notify")
        self._notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._notify.bind(notify_path)
        self.notifications = []
        env = dict(os.environ)
        # The daemon looks for a default model in $HYPENCODER_MODEL and under the data home:
        # point both away from the machine's, so tests see only what they set up.
        env.pop("HYPENCODER_MODEL", None)
        env["HOME"] = self.directory
        env["XDG_DATA_HOME"] = os.path.join(self.directory, "data")
        env["NOTIFY_SOCKET"] = notify_path
        env.setdefault("OPENBLAS_NUM_THREADS", "1")
        env.update(environment or {})
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [daemon_executable(), "--socket", self.socket_path, *arguments],
                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
        if wait_for_ready:
            self.wait_for_notification("READY=1")

    @property
    def pid(self):
        return self.process.pid

    @property
    def log(self):
        return pathlib.Path(self.log_path).read_text(errors="replace")

    def wait_for_notification(self, text):
        deadline = time.monotonic() + TIMEOUT
        self._notify.settimeout(0.05)
        while not any(text in n for n in self.notifications):
            try:
                self.notifications.append(self._notify.recv(4096).decode(errors="replace"))
                continue
            except socket.timeout:
                pass
            if self.process.poll() is not None:
                raise AssertionError(f"hypencoderd exited ({self.process.returncode}) before {text}; log:\n{self.log}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text} from hypencoderd within {TIMEOUT} s; log:\n{self.log}")

    def resident_bytes(self):
        """VmRSS from /proc/PID/status."""
        for line in pathlib.Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS in /proc status")

    def wait(self):
        try:
            return self.process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"hypencoderd did not exit within {TIMEOUT} s; log:\n{self.log}")

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._notify.close()
        shutil.rmtree(self.directory, ignore_errors=True)
