#!/usr/bin/env python3
"""A small web app in plain Python (standard library only): the service the action's `external-service` test gates.

Routes: GET /health (200 "ok"), GET /price?qty=N (a computed price: the endpoint whose work the test's head commit
triples), GET /hello (a constant). Usage: python3 app.py [PORT] (default: $PORT, else 8000); listens on 127.0.0.1.
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

# Rounds of the pricing loop per request: the work the test's head commit makes three times larger.
ROUNDS = 20000


def price(qty):
    total = 0
    for i in range(ROUNDS):
        total = (total + i * qty) % 1000003
    return total


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: the headers and the body go out in two writes; with Nagle's algorithm on, the second waits for the
    # client's (delayed, ~40 ms) ACK of the first on a keep-alive connection, and every request then takes ~44 ms
    # whatever its work (seen in CI: 7 ops per 300 ms repetition on both sides, the 3x endpoint only +7.7 %).
    disable_nagle_algorithm = True

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/health":
            self.reply(200, {"status": "ok"})
        elif url.path == "/price":
            qty = int(parse_qs(url.query).get("qty", ["1"])[0])
            self.reply(200, {"qty": qty, "price": price(qty)})
        elif url.path == "/hello":
            self.reply(200, {"hello": "world"})
        else:
            self.reply(404, {"error": "not found"})

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass  # one line per request would cost more than some requests


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("PORT", "8000"))
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
