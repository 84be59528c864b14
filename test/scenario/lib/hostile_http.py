# This file is a part of the jldepot project. License is MIT.
#
# lib/hostile_http.py: an HTTP server on loopback that misbehaves on
# purpose, for the fetch scenarios (what nginx will not do).
#
#   python3 hostile_http.py ROOT PORTFILE
#
# serves ROOT's files (no Range support), except files whose name (the last
# component of the path) starts with one of these:
#   silent-         reads the request, never answers
#   endless-        200 without Content-Length, then bytes without end
#   error-          500 with an endless error page
#   hang-N-         200 with a Content-Length of 1 MiB, N bytes, then nothing
#                   until the file ROOT/release exists (then it closes)
#   redirect-file-  302 to file:///etc/passwd
#   redirect-loop-  302 to itself
# Every request is logged to ROOT/access.log ("GET PATH").
# and writes "PORT" (an HTTP port) and "STUCK_PORT" (a port whose accept
# queue is full, so a connection is never made) to PORTFILE once ready.
import os
import socket
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

ROOT = sys.argv[1]
CHUNK = b"x" * 65536


class Handler(SimpleHTTPRequestHandler):
    def __init__(self, *a, **kw):
        super().__init__(*a, directory=ROOT, **kw)

    def log_message(self, fmt, *args):
        pass

    def endless(self, code):
        self.send_response(code)
        self.send_header("Content-Type", "text/html")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            while True:
                self.wfile.write(CHUNK)
        except OSError:
            pass

    def do_GET(self):
        p = self.path
        name = p.split("?")[0].rsplit("/", 1)[-1]
        with open(os.path.join(ROOT, "access.log"), "a") as f:
            f.write("GET %s\n" % p)
        if name.startswith("silent-"):
            time.sleep(3600)
        elif name.startswith("endless-"):
            self.endless(200)
        elif name.startswith("error-"):
            self.endless(500)
        elif name.startswith("hang-"):
            n = int(name.split("-")[1])
            self.send_response(200)
            self.send_header("Content-Length", str(1 << 20))
            self.end_headers()
            self.wfile.write(b"y" * n)
            self.wfile.flush()
            while not os.path.exists(os.path.join(ROOT, "release")):
                time.sleep(0.05)
        elif name.startswith("redirect-file-"):
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif name.startswith("redirect-loop-"):
            self.send_response(302)
            self.send_header("Location", p)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            super().do_GET()


class Server(ThreadingHTTPServer):
    daemon_threads = True


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    # a listening socket whose accept queue is full: SYNs are dropped
    stuck = socket.socket()
    stuck.bind(("127.0.0.1", 0))
    stuck.listen(0)
    fill = []
    for _ in range(3):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(stuck.getsockname())
        except BlockingIOError:
            pass
        fill.append(c)
    time.sleep(0.2)
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write("PORT=%d\nSTUCK_PORT=%d\n" % (srv.server_address[1], stuck.getsockname()[1]))
    os.rename(tmp, sys.argv[2])
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    while True:
        time.sleep(3600)


main()
