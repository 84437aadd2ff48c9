"""`manage.py run_web_and_worker` (what make run starts), as real processes."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has stopped; only its parent has not yet reaped it


def wait_until(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def descendants(pid):
    children = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return children + [grandchild for child in children for grandchild in descendants(child)]


def test_sigterm_stops_the_web_server_and_the_worker(tmp_path):
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}"}
    manage = [sys.executable, "manage.py"]
    subprocess.run(manage + ["migrate", "-v0"], cwd=BASE_DIR, env=env, check=True)
    port = free_port()
    parent = subprocess.Popen(
        manage + ["run_web_and_worker", "--port", str(port)],
        cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        def serving():
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0

        assert wait_until(serving, 60), "the web server did not start"
        children = [int(pid) for pid in Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()]
        assert len(children) == 2  # runserver and qcluster
        # The cluster's own processes too (its sentinel, monitor, pusher and
        # workers): one of them once outlived a run under load.
        assert wait_until(lambda: len(descendants(parent.pid)) > 4, 30), "the cluster did not start its workers"
        everyone = descendants(parent.pid)

        parent.send_signal(signal.SIGTERM)
        parent.wait(timeout=90)
        assert wait_until(lambda: not any(alive(pid) for pid in everyone), 30), "a process outlived the command"
    finally:
        if parent.poll() is None:
            parent.kill()
