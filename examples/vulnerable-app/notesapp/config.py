"""Configuration classes, selected by name in create_app()."""
import os
from datetime import timedelta

PACKAGE_DIR = os.path.abspath(os.path.dirname(__file__))


class Config:
    """Defaults shared by every environment."""

    # VULN: FLASK-DEPLOY-002 debug switched on in the base class, so ProductionConfig inherits it
    DEBUG = True
    # VULN: FLASK-CONFIG-001 short, guessable session signing key kept in source control
    SECRET_KEY = "changeme"
    # VULN: FLASK-CONFIG-001 API token signing key kept in source control
    JWT_SECRET_KEY = "notes-jwt-secret-2019"
    DATABASE = os.path.join(PACKAGE_DIR, os.pardir, "instance", "notes.sqlite3")
    UPLOAD_DIR = os.path.join(PACKAGE_DIR, "static", "uploads")
    # VULN: FLASK-SESS-001 session cookie is also sent over plain HTTP
    SESSION_COOKIE_SECURE = False
    # VULN: FLASK-SESS-002 a login lasts a whole year
    PERMANENT_SESSION_LIFETIME = timedelta(days=365)
    # VULN: FLASK-CSRF-001 Flask-WTF token checks disabled for every cookie-authenticated form
    WTF_CSRF_ENABLED = False
    STATUS_PAGE_URL = "https://status.example.com/api/v2/status.json"
    SPELLCHECK_URL = "https://spell.example.com/v1/check"
    SPELLCHECK_API_TOKEN = os.environ.get("SPELLCHECK_API_TOKEN", "")


class DevelopmentConfig(Config):
    # SAFE: FLASK-DEPLOY-002 development-only class, never selected by the production entry point
    DEBUG = True
    TEMPLATES_AUTO_RELOAD = True


class TestingConfig(Config):
    TESTING = True
    # SAFE: FLASK-CONFIG-001 fixed key used only by the test suite
    SECRET_KEY = "testing-only-key"
    DATABASE = ":memory:"
    # SAFE: FLASK-DEPLOY-003 exceptions reach the test client only in the test configuration
    PROPAGATE_EXCEPTIONS = True


class ProductionConfig(Config):
    # Everything else (debug, keys, cookie flags) is inherited from Config.
    DATABASE = os.environ.get("DATABASE_PATH", Config.DATABASE)


config_by_name = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
