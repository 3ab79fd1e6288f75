#!/usr/bin/env python3
"""The monitor's budgets, for scripts/bench: prints one JSON object. Debian's prometheus-blackbox-exporter
is the peer, measured side by side in the same run.

- probe: the monitor's probe_duration_seconds (lookup, connect, TLS and the request on the app's path) beside
  blackbox_exporter's for the same https listener, one blackbox probe after each monitor run, medians.
  Budget: within max(1 ms, 5 %) of blackbox_exporter's.
- soak: a monitor probing every second a target whose fault changes every few seconds (healthy, hang,
  drip, reset, 50 MB, bad key, overloaded) through a relay that rewrites each request's path to the mock's
  scenario; resident memory sampled throughout, CPU time over the whole soak; blackbox_exporter probes the
  same target every second beside it. Budget: at most 15 MB resident, and flat (what the second half of
  the soak adds is at most 1 MB).
- scrape: GET /metrics on a kept-alive connection every 100 ms during the soak, timed by the client.
  Budget: the 99th percentile within 5 ms (the median is printed too), beside blackbox_exporter's own
  /metrics.

Usage: bench_monitor.py DOCTOR MOCK_BIN WORKDIR   (SOAK_SECS overrides the soak's length, 180 s)
"""

import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_doctor import clean_env, closed_port, https_listener, start_mock  # noqa: E402

BLACKBOX = "/usr/bin/prometheus-blackbox-exporter"
PROBE_RUNS = 31
SOAK_SECS = int(os.environ.get("SOAK_SECS", "180"))
FAULTS = ["healthy", "hang", "drip", "reset", "huge", "bad-key", "overloaded"]
FAULT_SECS = 6
KEY = "sk-ant-api03-" + "n" * 40 + "D" * 40 + "q" * 13 + "AA"
MB = 1_000_000
CLK_TCK = os.sysconf("SC_CLK_TCK")


def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1)) * 1024


def cpu_secs(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def start_monitor(doctor, args, env):
    proc = subprocess.Popen([doctor, "monitor", "--listen", "127.0.0.1:0", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()
    m = re.search(r"serving http://(127\.0\.0\.1:\d+)/metrics", line)
    if not m:
        proc.kill()
        raise SystemExit(f"the monitor said {line!r}")
    # Its later lines (verdict changes) are drained so that a full pipe never blocks it.
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    return proc, m.group(1)


def start_blackbox(workdir, ca):
    config = os.path.join(workdir, "blackbox.yml")
    with open(config, "w") as f:
        f.write(f"""modules:
  https:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
      valid_status_codes: [401]
      tls_config:
        ca_file: {ca}
  soak:
    prober: http
    timeout: 3s
    http:
      preferred_ip_protocol: ip4
      valid_status_codes: [200, 401]
""")
    port = closed_port()
    proc = subprocess.Popen([BLACKBOX, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}",
                             "--log.level=error"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("blackbox_exporter did not start")


def get(hostport, path, timeout=10):
    c = http.client.HTTPConnection(hostport, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


def value(text, name, labels=""):
    m = re.search(rf"^{name}(?:\{{[^}}]*{labels}[^}}]*\}})? (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


def measure_probe(doctor, workdir, blackbox):
    server, port, ca = https_listener(workdir)
    base = f"https://localhost:{port}"
    env = clean_env({"SSL_CERT_FILE": ca, "NODE_EXTRA_CA_CERTS": ca, "CURL_CA_BUNDLE": ca})
    dead = f"http://127.0.0.1:{closed_port()}/"
    mon, addr = start_monitor(doctor, [base, "--cacert", ca, "--interval", "1", "--samples", "1",
                                       "--status-url", dead, "--doh-url", dead], env)
    ours, theirs, seen = [], [], None
    phases = {ph: ([], []) for ph in ("resolve", "connect", "tls", "processing")}
    try:
        deadline = time.time() + 120
        while len(ours) < PROBE_RUNS and time.time() < deadline:
            _, text = get(addr, "/metrics")
            at = value(text, "api_doctor_last_run_timestamp_seconds")
            if at is None or at == seen:
                time.sleep(0.05)
                continue
            seen = at
            d = value(text, "probe_duration_seconds")
            if d is None:
                continue
            _, probe = get(blackbox, f"/probe?module=https&target={base}/v1/models")
            if value(probe, "probe_success") != 1:
                raise SystemExit(f"blackbox_exporter's probe failed:\n{probe}")
            ours.append(d * 1000)
            theirs.append(value(probe, "probe_duration_seconds") * 1000)
            for ph, (mine, peer) in phases.items():
                mine.append((value(text, "probe_http_duration_seconds", f'phase="{ph}"') or 0) * 1000)
                peer.append((value(probe, "probe_http_duration_seconds", f'phase="{ph}"') or 0) * 1000)
    finally:
        mon.terminate()
        mon.wait()
        server.close()
    if len(ours) < PROBE_RUNS // 2:
        raise SystemExit(f"only {len(ours)} monitor runs in two minutes")
    o, t = statistics.median(ours), statistics.median(theirs)
    return {"runs": len(ours), "monitor_ms": round(o, 3), "blackbox_ms": round(t, 3), "diff_ms": round(o - t, 3),
            "allowed_ms": round(max(1.0, 0.05 * t), 3), "ratio": round(o / t, 3),
            "phases": {ph: {"monitor_ms": round(statistics.median(m), 3), "blackbox_ms": round(statistics.median(b), 3)}
                       for ph, (m, b) in phases.items()}}


class Relay:
    """A TCP relay to the mock that rewrites each request's path to /s/<the current fault>/…, so that one
    base URL meets a different fault every few seconds, with the mock's own bytes (drips, resets, 50 MB)."""

    def __init__(self, mock_port):
        self.mock_port = mock_port
        self.fault = FAULTS[0]
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(client,), daemon=True).start()

    def serve(self, client):
        try:
            upstream = socket.create_connection(("127.0.0.1", self.mock_port))
        except OSError:
            client.close()
            return

        def down():
            try:
                while True:
                    data = upstream.recv(65536)
                    if not data:
                        break
                    client.sendall(data)
            except OSError:
                pass
            finally:
                # A reset upstream is passed on as a reset.
                client.close()

        threading.Thread(target=down, daemon=True).start()
        buf = b""
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                buf += data
                while b"\r\n\r\n" in buf:
                    head, buf = buf.split(b"\r\n\r\n", 1)
                    line, _, rest = head.partition(b"\r\n")
                    method, path, version = line.split(b" ", 2)
                    path = f"/s/{self.fault}".encode() + path
                    length = re.search(rb"(?im)^content-length:\s*(\d+)", rest)
                    body_len = int(length.group(1)) if length else 0
                    while len(buf) < body_len:
                        more = client.recv(65536)
                        if not more:
                            break
                        buf += more
                    body, buf = buf[:body_len], buf[body_len:]
                    upstream.sendall(b" ".join([method, path, version]) + b"\r\n" + rest + b"\r\n\r\n" + body)
        except (OSError, ValueError):
            pass
        finally:
            upstream.close()
            client.close()


def measure_soak(doctor, mock_origin, blackbox):
    relay = Relay(int(mock_origin.rsplit(":", 1)[1]))
    base = f"http://127.0.0.1:{relay.port}"
    side = ["--status-url", f"{mock_origin}/status/operational/api/v2/summary.json",
            "--doh-url", f"{mock_origin}/doh/ok/dns-query"]
    mon, addr = start_monitor(doctor, [base, "--interval", "1", "--timeout-ms", "2000", "--samples", "3", *side],
                              clean_env({"ANTHROPIC_API_KEY": KEY}))
    stop = threading.Event()
    scrape_ms, bb_scrape_ms = [], []

    def faults():
        i = 0
        while not stop.wait(FAULT_SECS):
            i += 1
            relay.fault = FAULTS[i % len(FAULTS)]

    def blackbox_probes():
        while not stop.wait(1):
            try:
                get(blackbox, f"/probe?module=soak&target={base}/v1/models", timeout=5)
            except OSError:
                pass

    def scrapes():
        conns = {addr: http.client.HTTPConnection(addr, timeout=5),
                 blackbox: http.client.HTTPConnection(blackbox, timeout=5)}
        while not stop.wait(0.1):
            for host, out in ((addr, scrape_ms), (blackbox, bb_scrape_ms)):
                # A server may close a kept-alive connection between scrapes (blackbox_exporter does): the
                # scrape is then made again on a new one, and only that one is timed.
                for attempt in range(2):
                    t = time.perf_counter()
                    try:
                        conns[host].request("GET", "/metrics")
                        r = conns[host].getresponse()
                        r.read()
                    except (http.client.HTTPException, OSError):
                        conns[host].close()
                        conns[host] = http.client.HTTPConnection(host, timeout=5)
                        if attempt == 1:
                            raise
                        continue
                    out.append((time.perf_counter() - t) * 1000)
                    if r.status != 200:
                        raise SystemExit(f"a scrape answered {r.status}")
                    break

    threads = [threading.Thread(target=f, daemon=True) for f in (faults, blackbox_probes, scrapes)]
    for t in threads:
        t.start()
    samples = []
    start = time.time()
    cpu0 = None
    try:
        while time.time() - start < SOAK_SECS:
            time.sleep(2)
            samples.append((time.time() - start, rss(mon.pid), rss(blackbox_proc.pid)))
            if cpu0 is None and time.time() - start > SOAK_SECS * 0.1:
                cpu0 = (time.time(), cpu_secs(mon.pid), cpu_secs(blackbox_proc.pid))
        cpu1 = (time.time(), cpu_secs(mon.pid), cpu_secs(blackbox_proc.pid))
        _, text = get(addr, "/metrics")
        runs = sum(float(v) for v in re.findall(r"^api_doctor_runs_total\{[^}]*\} (\S+)$", text, re.M))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=10)
        mon.terminate()
        mon.wait()
        relay.sock.close()
    warm = [s for s in samples if s[0] >= SOAK_SECS * 0.1]
    half = [s for s in samples if s[0] >= SOAK_SECS * 0.5]
    wall = cpu1[0] - cpu0[0]
    scrape_sorted = sorted(scrape_ms)
    bb_sorted = sorted(bb_scrape_ms)
    p99 = lambda xs: xs[min(len(xs) - 1, int(len(xs) * 0.99))]
    return {
        "soak": {
            "secs": SOAK_SECS, "fault_secs": FAULT_SECS, "runs": int(runs),
            "rss_mb": {"warm": round(warm[0][1] / MB, 2), "max": round(max(s[1] for s in samples) / MB, 2),
                       "end": round(samples[-1][1] / MB, 2)},
            "second_half_growth_mb": round((half[-1][1] - half[0][1]) / MB, 3),
            "cpu_pct": round(100 * (cpu1[1] - cpu0[1]) / wall, 2),
            "blackbox": {"rss_mb_max": round(max(s[2] for s in samples) / MB, 2),
                         "cpu_pct": round(100 * (cpu1[2] - cpu0[2]) / wall, 2)},
        },
        "scrape": {"n": len(scrape_ms), "median_ms": round(statistics.median(scrape_ms), 3),
                   "p99_ms": round(p99(scrape_sorted), 3), "max_ms": round(scrape_sorted[-1], 3),
                   "bytes": len(text.encode()),
                   "blackbox_median_ms": round(statistics.median(bb_scrape_ms), 3),
                   "blackbox_p99_ms": round(p99(bb_sorted), 3)},
    }


blackbox_proc = None


def main():
    global blackbox_proc
    doctor, mock_bin, workdir = sys.argv[1:4]
    mock, origin = start_mock(mock_bin, 0)
    try:
        # blackbox_exporter reads the CA file at each probe; the comparison's listener writes it before the
        # first one.
        probe_dir = os.path.join(workdir, "probe")
        os.makedirs(probe_dir, exist_ok=True)
        blackbox_proc, blackbox = start_blackbox(workdir, os.path.join(probe_dir, "ca.pem"))
        try:
            result = {"probe": measure_probe(doctor, probe_dir, blackbox)}
            result.update(measure_soak(doctor, origin, blackbox))
        finally:
            blackbox_proc.terminate()
            blackbox_proc.wait()
    finally:
        mock.kill()
        mock.wait()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
