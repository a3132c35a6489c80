"""A misbehaving Ollama for scripts/faults: serves /api/chat the way the
mode says, so the worker meets a slow, broken or healthy model without
being restarted.

    python3 ollama_fault.py PORT [MODE]

Modes (POST /_fault/MODE switches; GET /_fault/requests counts chats):
  slow       headers come after DELAY seconds (FAULT_DELAY_SECS, default 10)
  garbage    a 200 stream: one good line, then a line that is not JSON
  midstream  a 200 stream: one good line, then {"error": ...} and no done
  ok         a whole streamed answer ending with done: true
"""

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ("slow", "garbage", "midstream", "ok")
DELAY = float(os.environ.get("FAULT_DELAY_SECS", "10"))
MODEL = "smollm2:135m"
ANSWER = ["Hello ", "from the ", "fault server."]

state = {"mode": "ok", "chats": 0}
lock = threading.Lock()


def piece(text, done=False):
    line = {"model": MODEL, "message": {"role": "assistant", "content": text}, "done": done}
    if done:
        line.update(done_reason="stop", eval_count=3, total_duration=1000)
    return (json.dumps(line) + "\n").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("ollama-fault: %s\n" % (fmt % args))

    def _json(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/api/version":
            self._json(200, {"version": "0.0.0-fault"})
        elif self.path == "/api/tags":
            self._json(200, {"models": [{"name": MODEL, "model": MODEL}]})
        elif self.path == "/_fault/requests":
            with lock:
                self._json(200, dict(state))
        else:
            self._json(404, {"error": "not found"})

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.startswith("/_fault/"):
            mode = self.path[len("/_fault/"):]
            if mode not in MODES:
                self._json(400, {"error": f"unknown mode {mode!r}; known: {', '.join(MODES)}"})
                return
            with lock:
                state["mode"] = mode
            self._json(200, {"mode": mode})
            return
        if self.path == "/api/show":
            self._json(200, {"capabilities": ["completion"]})
            return
        if self.path != "/api/chat":
            self._json(404, {"error": "not found"})
            return
        with lock:
            state["chats"] += 1
            mode = state["mode"]
        if mode == "slow":
            # Longer than the worker's first-byte timeout: it gives up first.
            time.sleep(DELAY)
        self.send_response(200)
        self.send_header("content-type", "application/x-ndjson")
        self.send_header("connection", "close")
        self.end_headers()
        if mode == "garbage":
            self.wfile.write(piece("Partial "))
            self.wfile.write(b"<html><body>502 Bad Gateway</body></html>\n")
        elif mode == "midstream":
            self.wfile.write(piece("Partial "))
            self.wfile.write(b'{"error": "model runner has unexpectedly stopped"}\n')
        else:
            for text in ANSWER:
                self.wfile.write(piece(text))
                self.wfile.flush()
                time.sleep(0.02)
            self.wfile.write(piece("", done=True))
        self.close_connection = True


def main():
    port = int(sys.argv[1])
    if len(sys.argv) > 2:
        state["mode"] = sys.argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    sys.stderr.write(f"ollama-fault: listening on 127.0.0.1:{port}, mode {state['mode']}\n")
    server.serve_forever()


if __name__ == "__main__":
    main()
