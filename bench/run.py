"""Load benchmark: the app under gunicorn on the scale data, beside a hello-world Flask ceiling.

Serves the lending app (bench/serve.py) on the database bench/generate.py built, and in the
same run a hello-world Flask app under the same gunicorn settings (sync workers, 2 by default).
Drives each with wrk at fixed concurrency (-t2 -c16) for a fixed time over random tags, ids and
search terms read from the data (bench/paths.lua picks a path per request), logged in where a
page needs it: a session cookie from the login page for pages, a bearer token for the API.
Prints per page: throughput, p50 and p99 latency, throughput as a share of the ceiling, errors
(non-2xx answers, timeouts), one unloaded request, and the peak memory of a worker.

    .venv/bin/python bench/run.py                       # SQLite file of `bench/generate.py`
    .venv/bin/python bench/run.py --duration 5 --only scan_staff,api_device
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/run.py

The ceiling is measured first and last, and the mean of the two is used: the machine may be shared.
Rate limits are off (one client at 16 connections would only measure the 429 page);
``--rate-limits`` keeps them.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="bench-"))

from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from bench.generate import BENCH_PASSWORD, BENCH_USER, database_url  # noqa: E402
from core.db import db  # noqa: E402
from core.users import find_user, issue_token  # noqa: E402
from devices.models import Device  # noqa: E402
from fund.models import Donor  # noqa: E402
from lending.models import Person  # noqa: E402

USER_AGENT = "lending-bench"
SAMPLE = 500
PROBE_TIMEOUT = 60  # seconds: a page slower than this alone is not loaded with wrk
# key, label, path pattern, who asks: "session" (logged-in page), "bearer" (API) or "public"
TARGETS = (
    ("scan_staff", "staff scan page /d/{tag}", "/d/{tag}", "session"),
    ("scan_public", "public scan page /d/{tag}", "/d/{tag}", "public"),
    ("api_device", "GET /api/v1/devices/{tag}", "/api/v1/devices/{tag}", "bearer"),
    ("devices_search", "device list, search /devices?q=", "/devices?q={tag_part}", "session"),
    ("board", "request board /requests", "/requests", "session"),
    ("people_search", "people search /people?q=", "/people?q={name}", "session"),
    ("follow_ups", "follow-ups /follow-ups", "/follow-ups", "session"),
    ("due", "maintenance due list /maintenance/due", "/maintenance/due", "session"),
    ("figures", "maintenance figures /maintenance/figures", "/maintenance/figures", "session"),
    ("dashboard", "dashboard /dashboard", "/dashboard", "session"),
    ("impact_center", "public impact /impact/center", "/impact/center", "public"),
    ("impact_donor", "donor impact /impact/s/{token}", "/impact/s/{token}", "public"),
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One gunicorn master and its sync workers; remembers the peak memory of every worker it had."""

    def __init__(self, app_spec: str, workers: int, env: dict[str, str], log: Path):
        self.app_spec, self.workers, self.env, self.log = app_spec, workers, env, log
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.peak_kib: dict[int, int] = {}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str = "/") -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--worker-class", "sync",
             "--bind", f"127.0.0.1:{self.port}", "--timeout", "300", "--log-level", "warning", self.app_spec],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=self.log.open("a"))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn for {self.app_spec} stopped at start (code {self.process.returncode})")
            try:
                urllib.request.urlopen(self.base + ready_path, timeout=5).read()
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.5)
        sys.exit(f"gunicorn for {self.app_spec} did not answer within 120 s")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        pid = self.process.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def note_memory(self) -> None:
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
            if found:
                self.peak_kib[pid] = max(self.peak_kib.get(pid, 0), int(found.group(1)))

    def stop(self) -> None:
        if self.process is None:
            return
        self.note_memory()
        self.process.send_signal(signal.SIGINT)  # quick shutdown: requests still queued are dropped
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self, ready_path: str) -> None:
        self.stop()
        self.start(ready_path)

    @property
    def peak_mib(self) -> float:
        return max(self.peak_kib.values(), default=0) / 1024


def sample_paths(url: str, rng: random.Random) -> tuple[dict[str, list[str]], str]:
    """Random tags, search terms and donor links from the data, and a bearer token for the API."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        admin = find_user(BENCH_USER)
        if admin is None:
            sys.exit(f"No benchmark data in {url}: run bench/generate.py first (make bench does).")
        devices = db.session.scalar(select(func.max(Device.id)))
        ids = rng.sample(range(1, devices + 1), min(SAMPLE, devices))
        tags = list(db.session.scalars(select(Device.tag).where(Device.id.in_(ids))))
        names = list(db.session.scalars(select(Person.last_name).where(Person.id.in_(
            rng.sample(range(1, db.session.scalar(select(func.max(Person.id))) + 1), 100)))))
        tokens = list(db.session.scalars(select(Donor.share_token).where(Donor.share_token.is_not(None))
                                         .order_by(func.random()).limit(200)))
        token, _ = issue_token(admin, dt.timedelta(days=1))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    values = {"tag": tags, "tag_part": [t[:-1] for t in tags], "name": names, "token": tokens}
    paths = {}
    for key, _, pattern, _ in TARGETS:
        fields = [name for name in values if "{" + name + "}" in pattern]
        if not fields:
            paths[key] = [pattern]
            continue
        size = min(len(values[f]) for f in fields)
        paths[key] = [pattern.format(**{f: urllib.parse.quote(values[f][n], safe="-") for f in fields})
                      for n in range(size)]
    return paths, token


def log_in(base: str) -> str:
    """The session cookie of the benchmark's admin, from the login page as a browser gets it."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login", timeout=30).read().decode()
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    form = {"username": BENCH_USER, "password": BENCH_PASSWORD, "next": ""}
    if csrf:
        form["csrf_token"] = csrf.group(1)
    opener.open(base + "/login", urllib.parse.urlencode(form).encode(), timeout=30).read()
    cookie = next((c for c in jar if c.name == "session"), None)
    if cookie is None:
        sys.exit("Could not log in as the benchmark's admin.")
    return f"session={cookie.value}"


def headers_for(who: str, cookie: str, token: str) -> dict[str, str]:
    found = {"User-Agent": USER_AGENT}
    if who == "session":
        found["Cookie"] = cookie
    elif who == "bearer":
        found["Authorization"] = f"Bearer {token}"
    return found


def probe(base: str, paths: list[str], headers: dict[str, str]) -> tuple[list[int], float | None]:
    """Up to three requests one after the other (one for a slow page): their status codes, and
    the median time in ms, or None when one request took longer than PROBE_TIMEOUT."""
    codes, took = [], []
    for path in paths[:3]:
        started = time.perf_counter()
        try:
            request = urllib.request.Request(base + path, headers=headers)
            with urllib.request.urlopen(request, timeout=PROBE_TIMEOUT) as answer:
                answer.read()
                codes.append(answer.status)
        except urllib.error.HTTPError as error:
            codes.append(error.code)
        except (TimeoutError, urllib.error.URLError):
            return codes, None
        took.append((time.perf_counter() - started) * 1000)
        if took[-1] > 5000:
            break
    return codes, sorted(took)[len(took) // 2]


def wrk(base: str, path_file: Path, headers: dict[str, str], args) -> dict:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "30s",
               "-s", str(ROOT / "bench" / "paths.lua")]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, base, "--", str(path_file)], capture_output=True, text=True, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        sys.exit(f"wrk gave no figures:\n{done.stdout}\n{done.stderr}")
    found = json.loads(line[len("BENCH "):])
    found["rps"] = found["requests"] / (found["duration_us"] / 1e6)
    found["errors"] = found["non_2xx"] + found["connect"] + found["read"] + found["write"] + found["timeout"]
    return found


def idle_or_restart(server: Server) -> bool:
    """Requests wrk left queued keep slow pages busy long after it stops: restart if so."""
    try:
        urllib.request.urlopen(server.base + "/login", timeout=3).read()
        return False
    except (OSError, urllib.error.URLError):
        server.restart("/login")
        return True


def machine() -> str:
    cpu = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
    ram = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
    return (f"{os.cpu_count()} CPUs ({cpu.group(1).strip() if cpu else platform.processor()}), "
            f"{int(ram.group(1)) / 2**20:.1f} GiB RAM, Python {platform.python_version()}, "
            f"load average {Path('/proc/loadavg').read_text().split()[0]}")


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0915 - one run, start to table
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", help="SQLite file (default: generate.py's); DATABASE_URL wins")
    parser.add_argument("--scale", type=float, default=1.0, help="the scale the data was built at (for its path)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per target (default 10)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per app (default 2)")
    parser.add_argument("--only", help="comma-separated target keys: " + ", ".join(t[0] for t in TARGETS))
    parser.add_argument("--rate-limits", action="store_true", help="keep the app's rate limits on")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: `make bench` installs it (Debian package wrk).")
    chosen = [t for t in TARGETS if not args.only or t[0] in args.only.split(",")]
    url = database_url(args.path, args.scale)
    paths, token = sample_paths(url, random.Random(14))
    folder = Path(tempfile.mkdtemp(prefix="bench-run-"))
    env = {**os.environ, "SECRET_KEY": secrets.token_hex(32), "INSTANCE_PATH": str(folder),
           "BENCH_DATABASE_URL": url, "BENCH_RATE_LIMITS": "1" if args.rate_limits else "0",
           "PYTHONPATH": str(ROOT)}
    logs = Path(tempfile.gettempdir())
    lending = Server("bench.serve:lending_app()", args.workers, env, logs / "bench-run-app.log")
    hello = Server("bench.hello:hello_app()", args.workers, env, logs / "bench-run-hello.log")
    lending.log.write_text("")
    (folder / "hello.txt").write_text("/\n")
    print(f"database {url.split('@')[-1]}; {machine()}")
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s; gunicorn {args.workers} sync workers",
          flush=True)
    results, restarts = [], 0
    try:
        hello.start()
        lending.start("/login")
        cookie = log_in(lending.base)
        ceilings = [wrk(hello.base, folder / "hello.txt", {"User-Agent": USER_AGENT}, args)["rps"]]
        print(f"ceiling (hello world): {ceilings[0]:,.0f} req/s", flush=True)
        for key, label, _, who in chosen:
            path_file = folder / f"{key}.txt"
            path_file.write_text("\n".join(paths[key]) + "\n")
            headers = headers_for(who, cookie, token)
            codes, single_ms = probe(lending.base, paths[key], headers)
            if single_ms is None:
                results.append((label, None, codes, None))
                print(f"  {label:45} one request took over {PROBE_TIMEOUT} s: not loaded", flush=True)
                lending.restart("/login")
                restarts += 1
                continue
            found = wrk(lending.base, path_file, headers, args)
            lending.note_memory()
            restarts += idle_or_restart(lending)
            results.append((label, found, codes, single_ms))
            print(f"  {label:45} {found['rps']:8.1f} req/s  p99 {found['p99_us'] / 1000:8.1f} ms  "
                  f"status {sorted(set(codes))}", flush=True)
        ceilings.append(wrk(hello.base, folder / "hello.txt", {"User-Agent": USER_AGENT}, args)["rps"])
        hello.note_memory()
    finally:
        lending.stop()
        hello.stop()
        shutil.rmtree(folder, ignore_errors=True)
    ceiling = sum(ceilings) / len(ceilings)
    print(f"load average at the end {Path('/proc/loadavg').read_text().split()[0]}")
    print(f"\nceiling: hello-world Flask, same gunicorn: {ceiling:,.0f} req/s "
          f"(first {ceilings[0]:,.0f}, last {ceilings[-1]:,.0f}); peak RSS per worker: app "
          f"{lending.peak_mib:,.0f} MiB, hello {hello.peak_mib:,.0f} MiB"
          + (f"; app restarted {restarts}x after a slow page" if restarts else ""))
    log = lending.log.read_text()
    if "unhandled error" in log or "Exception on " in log:  # the app's and Flask's log line of a 500
        print(f"the app logged errors: {lending.log}")
    print("\n| target | req/s | p50 ms | p99 ms | of ceiling | errors | one request ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, found, codes, single_ms in results:
        if found is None:
            print(f"| {label} | - | - | - | - | one request > {PROBE_TIMEOUT} s | > {PROBE_TIMEOUT * 1000:,} |")
            continue
        bad = [c for c in codes if c != 200]
        errors = f"{found['errors']:,}" + (f" (status {bad[0]})" if bad else "")
        p50 = f"{found['p50_us'] / 1000:,.1f}" if found["requests"] else "-"
        p99 = f"{found['p99_us'] / 1000:,.1f}" if found["requests"] else "-"
        print(f"| {label} | {found['rps']:,.1f} | {p50} | {p99} | {found['rps'] / ceiling:.1%} | {errors} "
              f"| {single_ms:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
