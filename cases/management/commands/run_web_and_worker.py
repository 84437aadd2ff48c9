"""Start the web server and one django-q2 cluster together, for a one-machine
install. Stops both when either stops, on Ctrl-C, or on `kill` (SIGTERM)."""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


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
            children.append(subprocess.Popen(manage + ["qcluster"]))
            children.append(
                subprocess.Popen(manage + ["runserver", "--noreload", f"{options['host']}:{options['port']}"])
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
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
