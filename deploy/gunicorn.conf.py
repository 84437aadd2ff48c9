"""gunicorn settings for loanflow, read from the environment like the app's own.

    gunicorn --config deploy/gunicorn.conf.py loanflow.wsgi

Used by deploy/systemd/loanflow-web.service, `make prod` (deploy/run_prod.sh)
and bench/load_mix.py. Every value can be set in /etc/loanflow/env (see
deploy/env.example); a command-line flag still wins over this file.
"""

import os


def _int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Where to listen. BIND wins (e.g. "0.0.0.0:8000" for a load balancer on
# another host, or "unix:/run/loanflow/web.sock"); otherwise loopback on PORT,
# so a fresh install is reachable only through a proxy on the same host.
bind = [os.environ.get("BIND") or f"127.0.0.1:{_int('PORT', 8000)}"]

# Sync workers: each request holds one process, and the pages are
# database-bound, so the classic 2 x cores + 1. Capped: every worker keeps a
# PostgreSQL connection (CONN_MAX_AGE), and all hosts' web workers and
# qcluster workers share the server's max_connections (100 by default).
workers = _int("WEB_WORKERS", min(2 * (os.cpu_count() or 1) + 1, 8))

# A request running longer than this is killed (the worker is replaced). The
# slowest pages are the year-long report exports; 60 s leaves them room
# while a hung worker is still noticed.
timeout = _int("WEB_TIMEOUT", 60)
# On SIGTERM (deploy, shutdown) workers finish the request in hand for up to
# this long. systemd's TimeoutStopSec must be longer (the unit says 45 s).
graceful_timeout = _int("WEB_GRACEFUL_TIMEOUT", 30)
# Behind a load balancer (that keeps its own connections open): a little
# longer than gunicorn's 2 s default. Sync workers close after each response.
keepalive = _int("WEB_KEEPALIVE", 5)

# Replace each worker after about this many requests, so a slow leak in a
# library can never grow without bound; the jitter keeps them from all
# restarting together.
max_requests = _int("WEB_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10

# The load balancer's addresses (comma-separated, CIDR allowed): only
# requests from them may set X-Forwarded-Proto and friends. The load balancer
# must overwrite X-Forwarded-Proto, never pass on the client's: Django trusts
# it for https (SECURE_PROXY_SSL_HEADER in loanflow/settings.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Access log on stdout (journald keeps it under systemd). The logger class
# removes borrowers' status-page tokens (/s/<token>/) from each line: a token
# is a working key to a borrower's case and must not sit in log files.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
# The default format plus the time taken, in milliseconds.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
logger_class = "loanflow.logs.GunicornLogger"

# The worker heartbeat file in memory: on a disk-backed /tmp a slow disk can
# make the arbiter think a busy worker hung.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# gunicorn's control socket (gunicornc) sits at one per-user path by default,
# so two servers on one host (the bench beside `make prod`) would fight over
# it; signals do all we need (HUP reload, TERM stop, TTIN/TTOU workers). Set
# GUNICORN_CONTROL_SOCKET to a path to have it.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
