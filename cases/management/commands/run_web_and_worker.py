"""Start the web server and one django-q2 cluster together, for a one-machine
install. Stops both when either stops, on Ctrl-C, or on `kill` (SIGTERM)."""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

# Seconds a child has to stop: a cluster lets its workers finish the task in
# hand (Q_CLUSTER["timeout"] is 60).
STOP_TIMEOUT = 70


def _interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the development web server and the notification worker together."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, **options):
        # SIGTERM would end this process at once and leave the worker running
        # on its own; treated as Ctrl-C, it stops both.
        signal.signal(signal.SIGTERM, _interrupt)
        manage = [sys.executable, "manage.py"]
        children = []
        try:
            # Each in its own session: Ctrl-C in the terminal reaches only this
            # process, which asks each child's main process to stop (as
            # KillMode=mixed does), and a child that will not stop is killed
            # with everything it started (a cluster's sentinel and workers).
            children.append(subprocess.Popen(manage + ["qcluster"], start_new_session=True))
            children.append(
                subprocess.Popen(
                    manage + ["runserver", "--noreload", f"{options['host']}:{options['port']}"],
                    start_new_session=True,
                )
            )
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            # A second kill must not cut the stopping short.
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    pass
                # Whatever the child left behind in its session (a killed or
                # hurried cluster main process can orphan its workers).
                try:
                    os.killpg(child.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                child.wait()
