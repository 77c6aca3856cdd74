import pytest

from notesapp import create_app
from notesapp.db import SCHEMA, get_db
from notesapp.security import is_safe_redirect


@pytest.fixture
def app(tmp_path):
    app = create_app("testing")
    app.config["DATABASE"] = str(tmp_path / "notes.sqlite3")
    with app.app_context():
        get_db().executescript(SCHEMA)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def test_login_page_has_security_headers(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_notes_require_login(client):
    response = client.get("/notes/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_delete_is_not_reachable_by_get(client):
    assert client.get("/notes/1/delete").status_code == 405


def test_retired_and_debug_routes_are_gone(client):
    assert client.get("/api/v1/users/1/notes").status_code == 404
    assert client.get("/debug/env").status_code == 404


def test_untrusted_host_is_rejected(client):
    assert client.get("/auth/login", headers={"Host": "evil.example"}).status_code == 400


def test_api_fails_closed_without_configured_key(client):
    assert client.get("/api/v2/notes/summary", headers={"X-API-Key": ""}).status_code == 503


def test_redirect_check_accepts_only_local_paths():
    assert is_safe_redirect("/notes/3")
    for target in ("//evil.example", "https://evil.example", "/\\evil.example", ""):
        assert not is_safe_redirect(target)


def test_production_refuses_to_start_without_secrets(monkeypatch):
    for name in ("SECRET_KEY", "TRUSTED_HOSTS", "RATELIMIT_STORAGE_URI", "CORS_ORIGINS"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")
