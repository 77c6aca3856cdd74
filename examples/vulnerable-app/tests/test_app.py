import pytest

from notesapp import create_app
from notesapp.db import SCHEMA, get_db


@pytest.fixture
def app(tmp_path):
    app = create_app("testing")
    # SAFE: FLASK-CONFIG-001 throwaway key for the test client only
    app.config["SECRET_KEY"] = "test"
    app.config["DATABASE"] = str(tmp_path / "notes.sqlite3")
    with app.app_context():
        get_db().executescript(SCHEMA)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def test_login_page_renders(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert b"Sign in" in response.data


def test_notes_require_login(client):
    response = client.get("/notes/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_api_status(client):
    assert client.get("/api/v2/status").get_json() == {"status": "ok"}
