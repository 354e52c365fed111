#!/usr/bin/env python3
"""STAND-IN for the ClearML Server's HTTP endpoints (tests only): no Docker
engine can run the real services on the test machines, so the docker shim
(tests/shims/ubuntu/docker) starts this on `compose up -d`. It answers on
127.0.0.1 like the ports of the on-premises guide, shifted by --offset:
  8008+N  GET /api/debug.ping -> 200 (JSON, like the API server)
  8080+N  GET /               -> 200 (HTML, like the web server)
  8081+N  GET /               -> 405 (like the file server, "method not allowed")
and writes its pid to --pidfile once all three ports listen."""
import argparse
import http.server
import json
import os
import socketserver
import threading


def handler(kind):
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def reply(self, code, ctype, body):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if kind == "api":
                if self.path.startswith("/api/debug.ping"):
                    body = json.dumps({"meta": {"result_code": 200}, "data": {"msg": "ClearML server"}})
                    self.reply(200, "application/json", body.encode())
                else:
                    self.reply(404, "application/json", b"{}")
            elif kind == "web":
                self.reply(200, "text/html", b"<html><title>ClearML</title></html>")
            else:
                self.reply(405, "text/plain", b"Method Not Allowed")

    return H


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--offset", type=int, default=0)
    ap.add_argument("--pidfile", required=True)
    a = ap.parse_args()
    servers = [Server(("127.0.0.1", port + a.offset), handler(kind))
               for port, kind in ((8008, "api"), (8080, "web"), (8081, "files"))]
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    tmp = a.pidfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(tmp, a.pidfile)
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
