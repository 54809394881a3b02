"""Benchmark: the staff scan page ``/d/{tag}`` and the device API ``GET /api/v1/devices/{tag}``.

Runs in one process through the Flask test client, against the database the app is
configured with (``DATABASE_URL``, else the instance folder's SQLite file; load the demo
first: ``flask db upgrade && flask demo-data --if-empty``). It logs in as the first active
staff user (a session cookie for the page, a bearer token for the API), opens both over a
random sample of tags, and prints the median and 90th percentile in milliseconds and the SQL
statements per request. ``--profile`` prints where one request spends its time (cProfile).
``--load SECONDS`` then serves the app with gunicorn (2 sync workers) and drives it with wrk
(16 connections over the sampled tags), and in the same run a hello-world Flask app under the
same server as the ceiling, and prints each one's share of it.

    FLASK_APP=app INSTANCE_PATH=/tmp/inst .venv/bin/python bench/scan.py
    DATABASE_URL=sqlite:////tmp/big.sqlite .venv/bin/python bench/scan.py 300 --profile
    INSTANCE_PATH=/tmp/inst .venv/bin/python bench/scan.py --load 10
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, select  # noqa: E402

from app import create_app  # noqa: E402
from core.db import db  # noqa: E402
from core.users import Role, User, UserRole, issue_token  # noqa: E402
from devices.models import Device  # noqa: E402

SAMPLE = 200


@contextmanager
def counting(engine):
    counter = {"n": 0}

    def _count(*_args):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", _count)


def prepare(app, sample: int) -> tuple[list[str], str, str]:
    """Sampled tags, the staff user's session id, and a bearer token for the API."""
    with app.app_context():
        user = db.session.scalar(select(User).join(UserRole).where(
            UserRole.role == Role.STAFF, User.active.is_(True)).order_by(User.id).limit(1))
        if user is None:
            sys.exit("No active staff user in this database: load the demo data first.")
        top = db.session.scalar(select(Device.id).order_by(Device.id.desc()).limit(1)) or 0
        rng = random.Random(7)
        ids = sorted({rng.randint(1, top) for _ in range(sample * 2)})
        tags = list(db.session.scalars(select(Device.tag).where(Device.id.in_(ids))))[:sample]
        rng.shuffle(tags)
        token, _row = issue_token(user)
        session_id = user.get_id()
        db.session.commit()
    return tags, session_id, token


def time_requests(app, client, urls: list[str], headers: dict) -> tuple[list[float], list[float], list[int]]:
    """Wall-clock and CPU milliseconds (the process's, SQLite's work included) and statements, per request."""
    times, cpu, statements = [], [], []
    with app.app_context():
        engine = db.engine
    with counting(engine) as counter:
        for url in urls:
            before = counter["n"]
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url, headers=headers)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            statements.append(counter["n"] - before)
            if response.status_code != 200:
                sys.exit(f"{url} answered {response.status_code}")
    return times, cpu, statements


def report(name: str, times: list[float], cpu: list[float], statements: list[int]) -> None:
    times = sorted(times)
    p90 = times[int(len(times) * 0.9) - 1]
    print(f"{name:28} median {statistics.median(times):6.2f} ms  p90 {p90:6.2f} ms  "
          f"CPU median {statistics.median(cpu):6.2f} ms  statements/request {statistics.mean(statements):4.1f} "
          f"(max {max(statements)})")


def in_process(app, tags: list[str], session_id: str, token: str, runs: int, profile: bool) -> None:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    bearer = {"Authorization": f"Bearer {token}"}
    targets = {"staff scan page /d/{tag}": ("/d/{}", {}),
               "API /api/v1/devices/{tag}": ("/api/v1/devices/{}", bearer)}
    for name, (pattern, headers) in targets.items():
        urls = [pattern.format(tags[i % len(tags)]) for i in range(runs)]
        time_requests(app, client, urls[:20], headers)  # warm up: templates, caches
        report(name, *time_requests(app, client, urls, headers))
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            time_requests(app, client, urls[:50], headers)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


# --- a load run with gunicorn and wrk --------------------------------------------------------------

HELLO = "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/')\ndef hello():\n    return 'Hello, world!'\n"
WRK_SCRIPT = """
local paths = {%s}
local headers = {%s}
request = function()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(module: str, cwd: str, env: dict):
    port = _free_port()
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}", "--log-level",
         "warning", module], cwd=cwd, env=env, start_new_session=True)
    try:
        for _ in range(300):  # until the workers answer (they build the app after the port opens)
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def wrk(base: str, paths: list[str], headers: dict, seconds: int) -> tuple[float, float, float]:
    """Requests per second, p50 and p99 in milliseconds."""
    lua = WRK_SCRIPT % (", ".join(f'"{p}"' for p in paths),
                        ", ".join(f'["{k}"] = "{v}"' for k, v in headers.items()))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua + "\ndone = function(summary, latency, requests)\n"
                     "  io.write(string.format('RESULT %f %f %f %d\\n', summary.requests / (summary.duration / 1e6),"
                     " latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status))\nend\n")
    command = ["wrk", "-t2", "-c16", "--timeout", "10s", "-s", script.name, base]
    subprocess.run([*command, "-d3s"], capture_output=True, check=True)  # warm up every worker
    out = subprocess.run([*command, f"-d{seconds}s"], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    line = next(line for line in out.splitlines() if line.startswith("RESULT"))
    rps, p50, p99, errors = line.split()[1:]
    if int(errors):
        print(f"  ({errors} non-2xx answers)")
    return float(rps), float(p50), float(p99)


def load(tags: list[str], session_cookie: str, token: str, seconds: int) -> None:
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk): no load run")
        return
    with tempfile.TemporaryDirectory() as hello_dir:
        Path(hello_dir, "hello.py").write_text(HELLO)
        with served("hello:app", hello_dir, dict(os.environ)) as base:
            ceiling = wrk(base, ["/"], {}, seconds)
    print(f"{'hello-world Flask (ceiling)':28} {ceiling[0]:8.0f} req/s  p50 {ceiling[1]:6.1f} ms  "
          f"p99 {ceiling[2]:6.1f} ms")
    with served("app:create_app()", str(ROOT), dict(os.environ)) as base:
        cookie = kept_cookie(base, f"/d/{tags[0]}", session_cookie)
        targets = {"staff scan page /d/{tag}": ("/d/{}", {"Cookie": cookie, "User-Agent": AGENT}),
                   "API /api/v1/devices/{tag}": ("/api/v1/devices/{}", {"Authorization": f"Bearer {token}"})}
        for name, (pattern, headers) in targets.items():
            rps, p50, p99 = wrk(base, [pattern.format(t) for t in tags], headers, seconds)
            print(f"{name:28} {rps:8.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
                  f"{100 * rps / ceiling[0]:5.1f}% of the ceiling")


AGENT = "bench-scan"


def kept_cookie(base: str, path: str, session_cookie: str) -> str:
    """The session cookie as a browser keeps it after its first page (with the CSRF token and the
    login's identifier added), so that the load run does not rewrite it on every request."""
    opened = urllib.request.urlopen(urllib.request.Request(
        base + path, headers={"Cookie": f"session={session_cookie}", "User-Agent": AGENT}), timeout=30)
    with opened:
        renewed = opened.headers.get("Set-Cookie", "")
    return renewed.split(";", 1)[0] if renewed.startswith("session=") else f"session={session_cookie}"


def session_cookie(app, session_id: str) -> str:
    """A signed session cookie for ``session_id``, as the login page would set it."""
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({"_user_id": session_id, "_fresh": True})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="?", type=int, default=300, help="requests timed per target")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of 50 requests per target")
    parser.add_argument("--load", type=int, metavar="SECONDS", help="also a load run with gunicorn and wrk")
    args = parser.parse_args()
    app = create_app()
    tags, session_id, token = prepare(app, SAMPLE)
    with app.app_context():
        print(f"{db.engine.url.render_as_string(hide_password=True)}: "
              f"{db.session.query(Device).count():,} devices, {len(tags)} tags sampled")
    in_process(app, tags, session_id, token, args.runs, args.profile)
    if args.load:
        load(tags, session_cookie(app, session_id), token, args.load)


if __name__ == "__main__":
    main()
