"""A byte-level JSON-RPC client for tests that must send exactly the bytes they choose
(bad input, both framings) and read every reply. Every message received goes through the
schema check (`ResponseSchema.check`) before a test sees it."""

import itertools
import json
import socket
import time

from daemon_process import TIMEOUT

NDJSON = "ndjson"
CONTENT_LENGTH = "content-length"


def frame(body, framing):
    if isinstance(body, str):
        body = body.encode()
    if framing == NDJSON:
        return body + b"\n"
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class ConnectionClosed(Exception):
    pass


class RawClient:
    def __init__(self, socket_path, schema, framing=NDJSON):
        self.schema = schema
        self.framing = framing
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect(socket_path)
        self._buffer = b""
        self._ids = itertools.count(1)
        #: Method of each request sent, by JSON-encoded id, for the schema check of its reply.
        self.sent_methods = {}
        self.notifications = []

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def note_methods(self, data):
        """Remembers the methods of the requests in raw bytes, where they parse, so their
        replies are checked against the right result schema."""
        bodies = data.split(b"\n") if self.framing == NDJSON else data.split(b"\r\n\r\n")[1:]
        for body in bodies:
            try:
                message = json.loads(body)
            except (ValueError, RecursionError):
                continue
            for element in message if isinstance(message, list) else [message]:
                if isinstance(element, dict) and "id" in element and isinstance(element.get("method"), str):
                    self.sent_methods[json.dumps(element["id"])] = element["method"]

    def send(self, message):
        """Sends a message (dict or list) in this connection's framing, remembering methods."""
        for element in message if isinstance(message, list) else [message]:
            if isinstance(element, dict) and "id" in element and isinstance(element.get("method"), str):
                self.sent_methods[json.dumps(element["id"])] = element["method"]
        self.send_raw(frame(json.dumps(message), self.framing))

    def request(self, method, params=None, id=None):
        message = {"jsonrpc": "2.0", "id": next(self._ids) if id is None else id, "method": method}
        if params is not None:
            message["params"] = params
        return message

    def call(self, method, params=None):
        """Sends one request and returns its reply (the whole response object)."""
        message = self.request(method, params)
        self.send(message)
        return self.reply_to(message["id"])

    def result(self, method, params=None):
        reply = self.call(method, params)
        assert "result" in reply, f"{method} failed: {reply}"
        return reply["result"]

    def reply_to(self, id):
        while True:
            message = self.read()
            if isinstance(message, dict) and message.get("id") == id and "method" not in message:
                return message
            if isinstance(message, dict) and "method" in message:
                continue
            raise AssertionError(f"expected the reply to id {id!r}, got {message!r:.300}")

    def read(self):
        """The next message, schema-checked; raises ConnectionClosed at end of stream."""
        while True:
            body = self._next_body()
            if body is not None:
                message = json.loads(body)
                if isinstance(message, list):
                    self.schema.check_batch(self.sent_methods, message)
                elif "method" in message:
                    self.schema.check(None, message)
                    self.notifications.append(message)
                else:
                    self.schema.check(self.sent_methods.get(json.dumps(message.get("id"))), message)
                return message
            try:
                chunk = self.sock.recv(1 << 16)
            except (ConnectionResetError, BrokenPipeError):
                chunk = b""
            if not chunk:
                raise ConnectionClosed(f"closed with {len(self._buffer)} unparsed bytes")
            self._buffer += chunk

    def read_until_closed(self):
        messages = []
        try:
            while True:
                messages.append(self.read())
        except ConnectionClosed:
            return messages

    def _next_body(self):
        if self.framing == NDJSON:
            line, newline, rest = self._buffer.partition(b"\n")
            if not newline:
                return None
            self._buffer = rest
            return line
        header, blank, rest = self._buffer.partition(b"\r\n\r\n")
        if not blank:
            return None
        length = next(int(line.split(b":", 1)[1]) for line in header.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        if len(rest) < length:
            return None
        self._buffer = rest[length:]
        return rest[:length]


def wait_until(what, condition):
    """Polls a state the daemon reaches on its own schedule; fails instead of hanging."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.002)
