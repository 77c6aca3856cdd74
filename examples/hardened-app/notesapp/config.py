"""Configuration classes. Secrets and hosts come from the environment, never from this file.

Every environment derives from BaseConfig (safe defaults only), so nothing relaxed for local
work reaches production by inheritance."""
import os
import secrets
from datetime import timedelta


def env_flag(name, default=False):
    """Read a boolean switch such as SESSION_COOKIE_SECURE=0 from the environment."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    return raw in {"1", "true", "yes", "on"}


def env_list(name, default=()):
    """Read a comma-separated list such as TRUSTED_HOSTS=notes.example.com,www.notes.example.com."""
    items = [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]
    return items or list(default)


PRODUCTION_REQUIRED = ("SECRET_KEY", "TRUSTED_HOSTS", "RATELIMIT_STORAGE_URI", "CORS_ORIGINS")


class BaseConfig:
    """Defaults shared by every environment: debug off, strict cookies, bounded requests."""

    DEBUG = False
    TESTING = False
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    FORCE_HTTPS = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    # Attachments are at most 5 MiB; a note body or any other single field stays under 100 KiB.
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 100 * 1024
    MAX_FORM_PARTS = 20
    WTF_CSRF_TIME_LIMIT = 3600
    RATELIMIT_HEADERS_ENABLED = True
    # Extension -> MIME type the file's bytes must have.
    UPLOAD_TYPES = {
        "png": "image/png",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "pdf": "application/pdf",
        "txt": "text/plain",
    }
    THUMBNAIL_SIZES = {"small": "200x200", "medium": "640x640"}
    NOTES_API_KEY = ""
    CORS_ORIGINS = []
    PREVIEW_ALLOWED_HOSTS = []


class DevelopmentConfig(BaseConfig):
    """A developer's own machine, over plain HTTP on 127.0.0.1."""

    def __init__(self):
        self.DEBUG = env_flag("FLASK_DEBUG", False)
        # Without a configured key each run gets a fresh random one (sessions end on restart).
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or secrets.token_hex(32)
        self.SESSION_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", False)
        self.FORCE_HTTPS = False
        self.TRUSTED_HOSTS = env_list("TRUSTED_HOSTS", ["localhost", "127.0.0.1"])
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        self.CORS_ORIGINS = env_list("CORS_ORIGINS", ["http://localhost:5173"])
        self.PREVIEW_ALLOWED_HOSTS = env_list("PREVIEW_ALLOWED_HOSTS", ["en.wikipedia.org"])
        self.NOTES_API_KEY = os.environ.get("NOTES_API_KEY", "")


class TestingConfig(BaseConfig):
    """The pytest suite: a random key per run, in-memory rate limits, HTTP test client."""

    def __init__(self):
        self.TESTING = True
        self.SECRET_KEY = secrets.token_hex(32)
        self.SESSION_COOKIE_SECURE = False
        self.FORCE_HTTPS = False
        self.TRUSTED_HOSTS = ["localhost"]
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.CORS_ORIGINS = ["http://localhost:5173"]


class ProductionConfig(BaseConfig):
    """Built from the environment; refuses to start when a required setting is missing or unsafe."""

    def __init__(self):
        missing = [name for name in PRODUCTION_REQUIRED if not os.environ.get(name, "").strip()]
        if missing:
            raise RuntimeError("missing required environment variables: " + ", ".join(missing))
        if env_flag("FLASK_DEBUG"):
            raise RuntimeError("FLASK_DEBUG must not be set in production; unset it")
        self.SECRET_KEY = os.environ["SECRET_KEY"]
        if len(self.SECRET_KEY) < 32:
            raise RuntimeError("SECRET_KEY is too short: use python -c 'import secrets; print(secrets.token_hex(32))'")
        # Old keys still accepted for verification while a rotation settles; remove them afterwards.
        self.SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
        self.TRUSTED_HOSTS = env_list("TRUSTED_HOSTS")
        self.CORS_ORIGINS = env_list("CORS_ORIGINS")
        if any("*" in origin or not origin.startswith("https://") for origin in self.CORS_ORIGINS):
            raise RuntimeError("CORS_ORIGINS must list exact https:// origins, without wildcards")
        self.RATELIMIT_STORAGE_URI = os.environ["RATELIMIT_STORAGE_URI"]
        # TLS terminates at the proxy, so cookies are Secure and HTTP is redirected. The switch
        # SESSION_COOKIE_SECURE=0 exists only for checking a production build over local HTTP.
        self.SESSION_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", True)
        self.FORCE_HTTPS = self.SESSION_COOKIE_SECURE
        self.PREFERRED_URL_SCHEME = "https"
        self.PREVIEW_ALLOWED_HOSTS = env_list("PREVIEW_ALLOWED_HOSTS")
        self.NOTES_API_KEY = os.environ.get("NOTES_API_KEY", "")
        if os.environ.get("DATABASE_PATH"):
            self.DATABASE = os.environ["DATABASE_PATH"]


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name):
    """Instantiate the named configuration; unknown names are an error, not a silent default."""
    if name not in CONFIGS:
        raise RuntimeError(f"unknown NOTES_ENV {name!r}; expected one of {', '.join(sorted(CONFIGS))}")
    return CONFIGS[name]()
