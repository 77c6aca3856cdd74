"""Configuration classes, one per environment.

Secrets and host names come from the environment, never from this file. Production is the default
environment and refuses to start when a required setting is missing, so a forgotten variable stops the
deployment instead of running it with weak defaults."""
import os
import secrets
from datetime import timedelta


def env_flag(name, default=False):
    """A boolean switch from the environment: 1/true/yes/on, anything else is off."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    return raw in {"1", "true", "yes", "on"}


def env_list(name, default=()):
    """A comma-separated list from the environment, e.g. TRUSTED_HOSTS=example.com,www.example.com."""
    items = [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]
    return items or list(default)


def env_int(name, default):
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


# Settings production cannot run without; see ProductionConfig.
PRODUCTION_REQUIRED = ("SECRET_KEY", "TRUSTED_HOSTS", "RATELIMIT_STORAGE_URI")


class BaseConfig:
    """Safe defaults every environment starts from."""

    DEBUG = False
    TESTING = False
    # Session cookie: never readable from JavaScript, not sent on cross-site subrequests, HTTPS only.
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    # Request size limits: the whole body, one form field held in memory, and the number of multipart parts.
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 64 * 1024
    MAX_FORM_PARTS = 50
    # CSRF tokens (Flask-WTF) on every POST, PUT, PATCH and DELETE.
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 3600
    # Rate limits (Flask-Limiter). Where the counters live is set per environment: in-process memory
    # only suits a single process, so production must name a store (see ProductionConfig).
    RATELIMIT_HEADERS_ENABLED = True
    # Number of reverse proxies in front of gunicorn that set X-Forwarded-For/-Proto (0: none).
    TRUSTED_PROXY_HOPS = 0
    # Strict-Transport-Security max-age in seconds; 0 sends no header.
    HSTS_SECONDS = 0
    # The example login (auth.py): one account whose password hash comes from the environment.
    ADMIN_USERNAME = ""
    ADMIN_PASSWORD_HASH = ""


class DevelopmentConfig(BaseConfig):
    """A developer's machine: plain HTTP on localhost."""

    def __init__(self):
        self.DEBUG = env_flag("FLASK_DEBUG", False)
        # Without a configured key every start gets a fresh random one (sessions end on restart).
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or secrets.token_hex(32)
        self.SESSION_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", False)
        self.TRUSTED_HOSTS = env_list("TRUSTED_HOSTS", ["localhost", "127.0.0.1"])
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.ADMIN_USERNAME = os.environ.get("ADMIN_USERNAME", "")
        self.ADMIN_PASSWORD_HASH = os.environ.get("ADMIN_PASSWORD_HASH", "")


class TestingConfig(BaseConfig):
    """The test suite: a random key per run and the test client's plain-HTTP host."""

    def __init__(self):
        self.TESTING = True
        self.SECRET_KEY = secrets.token_hex(32)
        self.SESSION_COOKIE_SECURE = False
        self.TRUSTED_HOSTS = ["localhost"]
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.RATELIMIT_ENABLED = False


class ProductionConfig(BaseConfig):
    """Read from the environment; fails closed when a required setting is missing or unsafe."""

    def __init__(self):
        missing = [name for name in PRODUCTION_REQUIRED if not os.environ.get(name, "").strip()]
        if missing:
            raise RuntimeError("missing required environment variables: " + ", ".join(missing) + " (see .env.example)")
        if env_flag("FLASK_DEBUG"):
            raise RuntimeError("FLASK_DEBUG must not be set in production")
        self.SECRET_KEY = os.environ["SECRET_KEY"]
        if len(self.SECRET_KEY) < 32:
            raise RuntimeError("SECRET_KEY is too short; generate one with: python3 -c 'import secrets; print(secrets.token_hex(32))'")
        # Previous keys, still accepted for reading sessions while a key rotation settles.
        self.SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
        self.TRUSTED_HOSTS = env_list("TRUSTED_HOSTS")
        # TLS ends at the proxy or load balancer, so cookies are Secure. SESSION_COOKIE_SECURE=0 exists
        # only to try a production build over plain HTTP on your own machine.
        self.SESSION_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", True)
        self.PREFERRED_URL_SCHEME = "https" if self.SESSION_COOKIE_SECURE else "http"
        self.HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000) if self.SESSION_COOKIE_SECURE else 0
        # A shared store (redis://...) so every gunicorn worker counts the same requests; memory:// is
        # only right with GUNICORN_WORKERS=1, and must then be chosen explicitly.
        self.RATELIMIT_STORAGE_URI = os.environ["RATELIMIT_STORAGE_URI"]
        self.TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)
        self.ADMIN_USERNAME = os.environ.get("ADMIN_USERNAME", "")
        self.ADMIN_PASSWORD_HASH = os.environ.get("ADMIN_PASSWORD_HASH", "")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name):
    """An instance of the named configuration; an unknown name is an error, not a silent fallback."""
    if name not in CONFIGS:
        raise RuntimeError(f"unknown APP_ENV {name!r}; expected one of {', '.join(sorted(CONFIGS))}")
    return CONFIGS[name]()
