"""gunicorn settings: gunicorn -c gunicorn.conf.py wsgi:app

Every value can be changed from the environment without editing this file."""
import multiprocessing
import os

# Loopback by default: put a TLS-terminating reverse proxy in front, or set GUNICORN_BIND
# (e.g. 0.0.0.0:8000 inside a container whose port only the proxy reaches).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, 8)))
# Requests that take longer are aborted, so slow clients cannot hold every worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Bounds on the request line and headers, before Flask sees anything.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# X-Forwarded-Proto is believed only from these addresses (the proxy on this machine by default).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "webapp"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
