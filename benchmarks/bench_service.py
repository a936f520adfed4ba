"""Service benchmark: `python benchmarks/bench_service.py [--backend sqlite|postgresql|both]`.

Starts `mednec serve` on loopback, drives it with a bounded load generator (a fixed number of
concurrent clients for a fixed time) and prints:

* sustained evaluations per second (POST /cases/{id}/evaluations: case read, calculators,
  policy evaluation, storage and audit entry in one transaction), p50 / p99 latency, errors;
* CPU time per evaluation of the server's processes and of PostgreSQL's backends for the
  benchmark's database (from /proc, over the load phase), with the machine's load average: on
  a shared machine requests per second follow whatever else runs, CPU per request much less.
  The PostgreSQL figure is a lower bound: a backend whose connection closes during the load
  (the pool's overflow connections) is not counted;
* crash safety: the server is killed with SIGKILL in the middle of a load of writes (cases,
  evaluations, review actions), restarted, and every acknowledged write is looked up; the
  audit chain is verified;
* concurrent reviewers: two reviewers claim the same evaluation at once, many times; exactly
  one may win each time.

Target on these 2-core machines: >= 300 evaluations/s with p99 < 100 ms on PostgreSQL, zero
errors, no acknowledged write lost. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKERS = {"sqlite": 1, "postgresql": 2}
PG_ADMIN = os.environ.get("MEDNEC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _case() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "examples" / "luspatercept-first-line.yaml").read_text())
    return json.loads(json.dumps(data, default=str))


class Server:
    def __init__(self, url: str, workers: int) -> None:
        self.url, self.workers = url, workers
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "MEDNEC_DATABASE_URL": self.url}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mednec", "serve", "--port", str(self.port), "--workers", str(self.workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() and kill() reach every worker
        )
        deadline = time.time() + 120  # a worker loads the note reader (medspaCy) first; slow on a busy machine
        while time.time() < deadline:
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        """SIGKILL the server: its whole process group (the master and every worker) at once."""
        assert self.proc is not None
        self._end_group()
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._end_group()

    def _end_group(self) -> None:
        """SIGKILL whatever is left of the server's process group. Killing the master (the crash
        test) or a slow shutdown left its workers running with init as their parent: each run of
        the benchmark kept two idle workers (about 270 MB each) alive, and later runs shared the
        cores with them."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(x) for x in out]


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        kids = _children(todo.pop())
        out += kids
        todo += kids
    return out


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds each process has used so far (Linux /proc; gone processes left out)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


def _pg_backends(url: str) -> list[int]:
    """The PostgreSQL server processes serving the benchmark's database (same machine)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as c:
            return [int(p) for p in c.execute(sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )).scalars()]
    finally:
        engine.dispose()


class CpuMeter:
    """CPU time the server's processes (and, on PostgreSQL, the database's backends) use over a
    stretch of load: less sensitive to other work on the machine than requests per second."""

    def __init__(self, server: Server, url: str) -> None:
        self.server, self.url = server, url

    def _pids(self) -> tuple[list[int], list[int]]:
        assert self.server.proc is not None
        app = [self.server.proc.pid, *_descendants(self.server.proc.pid)]
        return app, (_pg_backends(self.url) if self.url.startswith("postgresql") else [])

    def start(self) -> None:
        app, db = self._pids()
        self.app0, self.db0 = _cpu_seconds(app), _cpu_seconds(db)

    def per_request_ms(self, requests: int) -> dict[str, float | None]:
        app, db = self._pids()
        a1, d1 = _cpu_seconds(app), _cpu_seconds(db)
        used_app = sum(t - self.app0.get(pid, 0.0) for pid, t in a1.items())
        used_db = sum(t - self.db0.get(pid, 0.0) for pid, t in d1.items())
        n = max(requests, 1)
        return {"server_cpu_ms": round(1000 * used_app / n, 2),
                "database_cpu_ms": round(1000 * used_db / n, 2) if db else None}


def _cli(url: str, *args: str) -> str:
    env = {**os.environ, "MEDNEC_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "mednec", *args], env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def _users(url: str) -> dict[str, str]:
    keys = {}
    for who, org, role in [("req", "clinic", "requester"), ("doc", "plan", "physician_reviewer"),
                           ("doc2", "plan", "physician_reviewer"), ("auditor", "plan", "auditor")]:
        uid = json.loads(_cli(url, "users", "add", "--org", org, "--name", who, "--role", role))["id"]
        keys[who] = _cli(url, "keys", "create", uid)
    return keys


def _h(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _load(base: str, key: str, case_ids: list[str], seconds: float, clients: int) -> dict[str, Any]:
    lat: list[float] = []
    errors: list[str] = []
    stop = time.perf_counter() + seconds

    async def client(i: int) -> None:
        async with httpx.AsyncClient(base_url=base, headers=_h(key), timeout=10) as c:
            n = i
            while time.perf_counter() < stop:
                t = time.perf_counter()
                r = await c.post(f"/cases/{case_ids[n % len(case_ids)]}/evaluations", json={"drug": "reblozyl"})
                lat.append(time.perf_counter() - t)
                if r.status_code != 201:
                    errors.append(f"{r.status_code} {r.text[:100]}")
                n += clients

    t0 = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.perf_counter() - t0
    lat.sort()
    return {
        "evaluations": len(lat), "seconds": round(elapsed, 1), "per_s": round(len(lat) / elapsed),
        "p50_ms": round(lat[len(lat) // 2] * 1000, 1) if lat else None,
        "p99_ms": round(lat[int(len(lat) * 0.99)] * 1000, 1) if lat else None,
        "errors": len(errors), "first_errors": errors[:3],
    }


async def _writes_until_killed(server: Server, keys: dict[str, str], seconds: float) -> dict[str, list[str]]:
    """Cases, evaluations and claims; record only what the server acknowledged."""
    acked: dict[str, list[str]] = {"cases": [], "evaluations": [], "claims": []}
    body = {"case": _case()}
    stop = time.perf_counter() + seconds

    async def writer() -> None:
        async with httpx.AsyncClient(base_url=server.base, timeout=5) as c:
            while time.perf_counter() < stop:
                try:
                    r = await c.post("/cases", json=body, headers=_h(keys["req"]))
                    if r.status_code != 201:
                        continue
                    acked["cases"].append(r.json()["id"])
                    r = await c.post(f"/cases/{r.json()['id']}/evaluations", json={"drug": "reblozyl"},
                                     headers=_h(keys["req"]))
                    if r.status_code != 201:
                        continue
                    ev = r.json()["id"]
                    acked["evaluations"].append(ev)
                    r = await c.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=_h(keys["doc"]))
                    if r.status_code == 200:
                        acked["claims"].append(ev)
                except httpx.HTTPError:
                    return  # the server died under us: stop writing

    async def killer() -> None:
        await asyncio.sleep(seconds / 2)
        server.kill()

    await asyncio.gather(*(writer() for _ in range(8)), killer())
    return acked


def _check_acked(server: Server, keys: dict[str, str], acked: dict[str, list[str]]) -> dict[str, Any]:
    missing = []
    with httpx.Client(base_url=server.base, timeout=10) as c:
        for cid in acked["cases"]:
            if c.get(f"/cases/{cid}", headers=_h(keys["req"])).status_code != 200:
                missing.append(cid)
        for ev in acked["evaluations"]:
            if c.get(f"/evaluations/{ev}", headers=_h(keys["req"])).status_code != 200:
                missing.append(ev)
        for ev in acked["claims"]:
            r = c.get(f"/evaluations/{ev}", headers=_h(keys["doc"]))
            if r.json()["review"]["state"] != "under_review":
                missing.append(f"claim {ev}")
        audit = c.get("/audit/verify", headers=_h(keys["auditor"])).json()
    return {"acknowledged": {k: len(v) for k, v in acked.items()}, "lost": len(missing),
            "audit_entries": audit["entries"], "audit_chain_ok": audit["ok"]}


def _race(server: Server, keys: dict[str, str], rounds: int) -> dict[str, Any]:
    import threading

    wins = []
    with httpx.Client(base_url=server.base, timeout=10) as c:
        case = c.post("/cases", json={"case": _case()}, headers=_h(keys["req"])).json()["id"]
        for _ in range(rounds):
            ev = c.post(f"/cases/{case}/evaluations", json={"drug": "reblozyl"}, headers=_h(keys["req"])).json()["id"]
            codes: list[int] = []
            barrier = threading.Barrier(2)

            def claim(who: str, ev: str = ev, codes: list[int] = codes, barrier: threading.Barrier = barrier) -> None:
                with httpx.Client(base_url=server.base, timeout=10) as cc:
                    barrier.wait()
                    codes.append(cc.post(f"/evaluations/{ev}/review", json={"action": "claim"},
                                         headers=_h(keys[who])).status_code)

            ts = [threading.Thread(target=claim, args=(w,)) for w in ("doc", "doc2")]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            wins.append(codes.count(200))
            hist = c.get(f"/evaluations/{ev}/history", headers=_h(keys["doc"])).json()["items"]
            assert len(hist) == 1, hist
    return {"rounds": rounds, "exactly_one_winner": sum(w == 1 for w in wins), "double_wins": sum(w > 1 for w in wins)}


def _wrk_load(base: str, key: str, case_ids: list[str], seconds: float, clients: int) -> dict[str, Any] | None:
    """The load phase with wrk (a C load generator) when installed: a Python generator on the same
    two cores would take much of the CPU the server needs."""
    import re
    import shutil

    exe = shutil.which("wrk")
    if exe is None:
        return None
    paths = ", ".join(f'"/cases/{c}/evaluations"' for c in case_ids)
    script = f"""
local paths = {{{paths}}}
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", paths[(i % #paths) + 1], {{["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer {key}"}}, '{{"drug": "reblozyl"}}')
end
"""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    out = subprocess.run([exe, "-t2", f"-c{clients}", f"-d{int(seconds)}s", "--timeout", "10s", "--latency", "-s", f.name, base],
                         capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float | None:
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return None
        return round(float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)], 1)

    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    n_err = (int(bad.group(1)) if bad else 0) + (sum(int(x) for x in errs.groups()) if errs else 0)
    return {"evaluations": total, "seconds": seconds, "per_s": round(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))),  # type: ignore[union-attr]
            "p50_ms": ms("50"), "p99_ms": ms("99"), "errors": n_err, "first_errors": [], "generator": "wrk"}


def _pg_database() -> tuple[str, Any]:
    import sqlalchemy as sa

    admin = sa.create_engine(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    name = f"mednec_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return admin.url.set(database=name).render_as_string(hide_password=False), drop


def run_backend(backend: str, seconds: float, clients: int, workers: int) -> dict[str, Any]:
    cleanup = None
    if backend == "sqlite":
        tmp = tempfile.mkdtemp(prefix="mednec-bench-")
        url = f"sqlite:///{tmp}/mednec.db"
    else:
        url, cleanup = _pg_database()
    try:
        _cli(url, "db", "upgrade")
        keys = _users(url)
        server = Server(url, workers)
        server.start()
        try:
            with httpx.Client(base_url=server.base, timeout=10) as c:
                case_ids = [c.post("/cases", json={"case": _case()}, headers=_h(keys["req"])).json()["id"]
                            for _ in range(50)]
            asyncio.run(_load(server.base, keys["req"], case_ids, 2, clients))  # warm-up
            meter = CpuMeter(server, url)
            meter.start()
            load = _wrk_load(server.base, keys["req"], case_ids, seconds, clients) or \
                asyncio.run(_load(server.base, keys["req"], case_ids, seconds, clients))
            load.update(meter.per_request_ms(load["evaluations"]))
            load["load_average"] = os.getloadavg()[0]
            race = _race(server, keys, 20)
            acked = asyncio.run(_writes_until_killed(server, keys, 4))
        finally:
            server.stop()
        server2 = Server(url, 1)
        server2.start()
        try:
            crash = _check_acked(server2, keys, acked)
        finally:
            server2.stop()
        return {"load": load, "crash": crash, "race": race}
    finally:
        if cleanup:
            cleanup()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--workers", type=int, default=None,
                    help="server worker processes (default: 1 on SQLite, which has one writer at a time and "
                         "does best with one process queueing its writers in order; 2 on PostgreSQL)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    workers = {b: args.workers or DEFAULT_WORKERS[b] for b in backends}
    results = {b: run_backend(b, args.seconds, args.clients, workers[b]) for b in backends}
    failures = []
    for b, r in results.items():
        ld, cr, ra = r["load"], r["crash"], r["race"]
        print(f"[{b}] {ld['per_s']} evaluations/s over {ld['seconds']} s ({ld['evaluations']} requests, "
              f"{args.clients} clients via {ld.get('generator', 'httpx')}, {workers[b]} workers); "
              f"p50 {ld['p50_ms']} ms, p99 {ld['p99_ms']} ms; "
              f"errors {ld['errors']} {ld['first_errors']}")
        db_cpu = f", PostgreSQL {ld['database_cpu_ms']} ms" if ld.get("database_cpu_ms") is not None else ""
        print(f"[{b}] CPU per evaluation: server {ld['server_cpu_ms']} ms{db_cpu} "
              f"(1-minute load average {ld['load_average']:.1f} on {os.cpu_count()} cores)")
        print(f"[{b}] SIGKILL mid-load: acknowledged {cr['acknowledged']}, lost {cr['lost']}; "
              f"audit {cr['audit_entries']} entries, chain {'intact' if cr['audit_chain_ok'] else 'BROKEN'}")
        print(f"[{b}] concurrent reviewers: {ra['exactly_one_winner']}/{ra['rounds']} rounds with exactly one "
              f"winner, {ra['double_wins']} double wins")
        if ld["errors"] or cr["lost"] or not cr["audit_chain_ok"] or ra["double_wins"] or ra["exactly_one_winner"] != ra["rounds"]:
            failures.append(f"{b}: errors, lost writes, broken chain or a double win")
        if b == "postgresql" and (ld["per_s"] < 300 or (ld["p99_ms"] or 1e9) >= 100):
            failures.append("postgresql below 300 evaluations/s or p99 >= 100 ms")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    for f in failures:
        print(f"TARGET MISSED: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
