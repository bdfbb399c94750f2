"""gunicorn settings for production (`make serve`) and the benchmark.

A server started with this file runs the production configuration unless RELIEF_CONFIG
names another one, so it refuses the public development secret and needs SECRET_KEY,
EMAIL_ENCRYPTION_KEYS and SITE_URL.  `RELIEF_CONFIG=development make serve` is the
explicit way to serve the development configuration with gunicorn.

Every value can be overridden from the environment.  Sync workers, one per CPU: on the
2-core benchmark machine they served Relief's pages faster than gthread workers, whose
keep-alive connections can leave one worker idle under load (see README, Performance).
"""

import multiprocessing
import os

# gunicorn reads this file in the master before any worker imports the app, and the
# workers inherit the environment: an unset (or empty) RELIEF_CONFIG means production.
if not os.environ.get("RELIEF_CONFIG", "").strip():
    os.environ["RELIEF_CONFIG"] = "production"

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", 1))
# A request that takes longer than this is killed and logged; writes wait at most the
# SQLite busy timeout (10 s), well inside it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
# Set GUNICORN_MAX_REQUESTS to recycle workers now and then (off by default: no leak is
# known, and a recycled worker renders its pages afresh).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 0))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Application code is imported in each worker, after the fork: no shared connections.
preload_app = False
# gunicorn would take SCRIPT_NAME and PATH_INFO from request headers of any client at a
# "forwarded" address (127.0.0.1 by default: the proxy, but also anything local), moving
# the whole site under a prefix of the client's choosing.  Relief is served at the root.
forwarder_headers = ""
