#!/usr/bin/env python3
"""The native doctor's budgets, for scripts/bench: prints one JSON object.

- run: a full keyless `api-doctor check` against the mock with every response delayed, beside the
  critical path of those delays (one round trip for the first wave, whose probes run at once, then the
  latency series one at a time: (1 + 1 + samples) x delay). Budget: at most 1.1 times it.
- phases: the doctor's DNS / connect / TLS / first-byte times (its cold path to an https listener, read from
  --json) beside `curl -w` on the same listener, medians of several runs each. Budget: each within
  max(1 ms, 3 %) of curl's.
- start: from starting `api-doctor check` under a pseudo-terminal to its first byte of output (the
  progress line). Budget: 20 ms.

Usage: bench_doctor.py DOCTOR MOCK_BIN WORKDIR
"""

import json
import os
import pty
import select
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import threading
import time

DELAY_MS = 100
SAMPLES = 10
RUNS = 5
PHASE_RUNS = 9
START_RUNS = 9


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def clean_env(extra=None):
    env = {"PATH": os.environ["PATH"], "HOME": "/nonexistent", "LANG": "C.UTF-8"}
    env.update(extra or {})
    return env


def start_mock(binary, delay):
    proc = subprocess.Popen([binary, "--port", "0", "--delay-ms", str(delay)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    origin = line.strip().split(" ")[-1]
    if not origin.startswith("http://127.0.0.1:"):
        proc.kill()
        raise SystemExit(f"mock-api printed {line!r}")
    return proc, origin


def side_flags():
    dead = f"http://127.0.0.1:{closed_port()}/"
    return ["--status-url", dead, "--doh-url", dead, "--doh-url", dead]


def measure_run(doctor, mock_bin):
    proc, origin = start_mock(mock_bin, DELAY_MS)
    try:
        times = []
        for _ in range(RUNS):
            t = time.perf_counter()
            out = subprocess.run([doctor, "check", f"{origin}/s/healthy", "--json", "--samples", str(SAMPLES)]
                                 + side_flags(), env=clean_env(), capture_output=True, text=True, timeout=120)
            times.append((time.perf_counter() - t) * 1000)
            report = json.loads(out.stdout)
            if report["verdict"]["state"] not in ("healthy", "degraded"):
                raise SystemExit(f"the delayed run was {report['verdict']}")
    finally:
        proc.kill()
        proc.wait()
    critical = (1 + 1 + SAMPLES) * DELAY_MS
    full = statistics.median(times)
    return {"delay_ms": DELAY_MS, "samples": SAMPLES, "critical_path_ms": critical,
            "full_run_ms": round(full, 1), "ratio": round(full / critical, 3)}


def make_cert(workdir):
    """A throw-away CA and a leaf for localhost signed by it; returns (leaf key, leaf cert, CA cert)."""
    f = lambda name: os.path.join(workdir, name)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run = lambda args: subprocess.run(["openssl"] + args, check=True, capture_output=True)
    run(["req", "-x509", *ec, "-keyout", f("ca.key"), "-out", f("ca.pem"), "-days", "2",
         "-subj", "/CN=API Doctor bench CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    run(["req", *ec, "-keyout", f("leaf.key"), "-out", f("leaf.csr"), "-subj", "/CN=localhost"])
    with open(f("leaf.ext"), "w") as ext:
        ext.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    run(["x509", "-req", "-in", f("leaf.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial",
         "-out", f("leaf.pem"), "-days", "2", "-extfile", f("leaf.ext")])
    return f("leaf.key"), f("leaf.pem"), f("ca.pem")


def https_listener(workdir):
    """A small TLS server that answers every request with 401 JSON at once, keeping connections alive."""
    key, cert, ca = make_cert(workdir)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    body = b'{"type":"error","error":{"type":"authentication_error","message":"x-api-key header is required"}}'
    answer = (b"HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: "
              + str(len(body)).encode() + b"\r\n\r\n" + body)

    def serve(conn):
        # Answers go out at once: no Nagle wait behind the handshake's session tickets.
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            with ctx.wrap_socket(conn, server_side=True) as tls:
                buf = b""
                while True:
                    data = tls.recv(65536)
                    if not data:
                        return
                    buf += data
                    while b"\r\n\r\n" in buf:
                        _, buf = buf.split(b"\r\n\r\n", 1)
                        tls.sendall(answer)
        except (OSError, ssl.SSLError):
            return

    def accept():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return server, server.getsockname()[1], ca


def measure_phases(doctor, workdir):
    server, port, cert = https_listener(workdir)
    base = f"https://localhost:{port}"
    try:
        curl = {"dns": [], "connect": [], "tls": [], "ttfb": []}
        for _ in range(PHASE_RUNS):
            out = subprocess.run(["curl", "-s", "-o", "/dev/null", "--cacert", cert, "--http1.1", "-w",
                                  "%{time_namelookup} %{time_connect} %{time_appconnect} %{time_starttransfer}",
                                  f"{base}/v1/models"], env=clean_env(), capture_output=True, text=True, timeout=30)
            n, c, a, s = (float(x) * 1000 for x in out.stdout.split())
            curl["dns"].append(n)
            curl["connect"].append(c - n)
            curl["tls"].append(a - c)
            curl["ttfb"].append(s - a)
        doc = {"dns": [], "connect": [], "tls": [], "ttfb": []}
        for _ in range(PHASE_RUNS):
            out = subprocess.run([doctor, "check", base, "--json", "--cacert", cert, "--checks", "perf.latency",
                                  "--samples", "1"] + side_flags(),
                                 env=clean_env({"SSL_CERT_FILE": cert, "NODE_EXTRA_CA_CERTS": cert}), capture_output=True, text=True, timeout=60)
            report = json.loads(out.stdout)
            facts = {}
            for f in report["findings"]:
                if f["code"] == "perf.latency":
                    facts = {x["name"]: x["value"] for x in f["facts"]}
            paths = report["native"]["paths"]
            if not facts or not paths:
                raise SystemExit(f"no latency facts or paths: {out.stdout[:500]}")
            # The cold round trip's phases, as the latency check reports them (connect includes TLS there).
            doc["dns"].append(facts.get("duration_dns_ms", 0))
            doc["tls"].append(facts.get("duration_tls_ms", 0))
            doc["connect"].append(facts.get("duration_connect_ms", 0) - facts.get("duration_tls_ms", 0))
            doc["ttfb"].append(facts.get("duration_ttfb_ms", 0))
    finally:
        server.close()
    out = {}
    for phase in ("dns", "connect", "tls", "ttfb"):
        d, c = statistics.median(doc[phase]), statistics.median(curl[phase])
        out[phase] = {"doctor_ms": round(d, 2), "curl_ms": round(c, 2), "diff_ms": round(d - c, 2),
                      "allowed_ms": round(max(1.0, 0.03 * c), 2)}
    return out


def first_output_ms(argv):
    """Milliseconds from starting argv under a pseudo-terminal to its first byte of output."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(argv[0], argv, clean_env({"TERM": "dumb"}))
    t = time.perf_counter()
    try:
        ready, _, _ = select.select([fd], [], [], 10)
        elapsed = (time.perf_counter() - t) * 1000 if ready else float("inf")
        os.read(fd, 1)
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)
    return elapsed


def measure_start(doctor):
    dead = f"http://127.0.0.1:{closed_port()}"
    times = [first_output_ms([doctor, "check", dead] + side_flags()) for _ in range(START_RUNS)]
    return {"first_output_ms": round(statistics.median(times), 2), "budget_ms": 20}


def main():
    doctor, mock_bin, workdir = sys.argv[1:4]
    if shutil.which("curl") is None:
        raise SystemExit("curl is needed for the phase comparison")
    result = {"run": measure_run(doctor, mock_bin), "phases": measure_phases(doctor, workdir),
              "start": measure_start(doctor)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
