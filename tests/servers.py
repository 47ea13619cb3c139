"""Real servers for server-mode tests, started on 127.0.0.1 in temporary folders and stopped after."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 60) -> bool:
    t0 = time.time()
    while time.time() - t0 < timeout:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.3)
    return False


def stop_process(proc) -> None:
    """Terminate a started server, and kill it if it does not stop within 10 s."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def start_chroma(path: Path):
    """`chroma run` as installed by the chromadb package."""
    exe = Path(sys.executable).parent / "chroma"
    port = free_port()
    proc = subprocess.Popen([str(exe), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_port(port):
        proc.kill()
        raise RuntimeError("chroma server did not start")
    return proc, port


def start_postgres():
    """A throwaway PostgreSQL cluster (Debian's server binaries) on a loopback port; skips if absent."""
    bindir = next((p for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None) \
        if Path("/usr/lib/postgresql").exists() else None
    if bindir is None or not (bindir / "initdb").exists():
        pytest.skip("PostgreSQL server binaries are not installed (apt package postgresql); SQLite path still tested")
    base = Path(tempfile.mkdtemp(prefix="ra-pg-"))     # not under pytest's root-only tmp: postgres must read it
    data, sock = base / "pgdata", base / "pgsock"
    sock.mkdir(parents=True)
    run_as: list[str] = []
    if os.geteuid() == 0:          # postgres refuses to run as root
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL")
        run_as = ["runuser", "-u", "postgres", "--"]
        for p in (base, sock):
            shutil.chown(p, "postgres")
        os.chmod(base, 0o755)
    subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "ra", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True)
    port = free_port()
    subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "pg.log"), "-w", "start",
                    "-o", f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"],
                   check=True, capture_output=True)
    subprocess.run([*run_as, str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "ra", "reports"],
                   check=True, capture_output=True)

    def stop():
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)

    return f"postgresql://ra@127.0.0.1:{port}/reports", stop
