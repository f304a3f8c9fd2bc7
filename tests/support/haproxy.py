"""HAProxy (Debian's haproxy) as the load balancer in front of ragchat instances, on a free
port of 127.0.0.1, started and stopped by the test.

Round robin over the instances, as a deployment would run it: a health check on
/api/health-check takes an instance out of rotation once it stops answering, and a request
whose instance refuses the connection is sent to another one. Every answer names the
instance that gave it in `X-Served-By`.
"""

import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.server import free_port

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
SERVED_BY = "X-Served-By"


class Balancer:
    """HAProxy over `instances`, a {name: "http://127.0.0.1:port"} mapping."""

    def __init__(self, scratch, instances):
        self.scratch = Path(scratch)
        self.instances = dict(instances)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def config(self):
        servers = "\n".join(
            f"    server {name} {urlsplit(url).netloc} check inter 300ms fall 2 rise 1"
            for name, url in self.instances.items()
        )
        return f"""global
    maxconn 256

defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    # A check waits behind busy workers like any request: only a dead instance fails it.
    timeout check 5s
    # A connection refused is tried again, on another instance each time.
    retries 2
    option redispatch 1

frontend ragchat
    bind 127.0.0.1:{self.port}
    default_backend instances

backend instances
    balance roundrobin
    option forwardfor
    option httpchk
    http-check send meth GET uri /api/health-check
    http-response set-header {SERVED_BY} %[srv_name]
{servers}
"""

    def __enter__(self):
        self.scratch.mkdir(parents=True, exist_ok=True)
        config = self.scratch / "haproxy.cfg"
        config.write_text(self.config())
        self.log = open(self.scratch / "haproxy.log", "w+")
        # -db: stay in the foreground, so that the test owns the process.
        self.process = subprocess.Popen(
            [HAPROXY, "-db", "-f", str(config)], stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise AssertionError("haproxy did not start:\n" + self.output())

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def output(self):
        self.log.flush()
        return (self.scratch / "haproxy.log").read_text()
