"""SQLite access helpers shared by the blueprints. Every value is bound as a parameter."""
import os
import sqlite3
from datetime import datetime, timezone

import click
from flask import current_app, g

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT UNIQUE NOT NULL,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0,
    reset_token_hash TEXT,
    reset_expires_at TEXT
);
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id INTEGER NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    source_url TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    note_id INTEGER NOT NULL REFERENCES notes (id),
    stored_name TEXT UNIQUE NOT NULL,
    display_name TEXT NOT NULL,
    content_type TEXT NOT NULL
);
"""

SORT_ORDERS = ("newest", "oldest", "title")

# The sort order is a bound parameter too: each CASE is NULL unless its order was chosen.
ORDER_BY = """
ORDER BY CASE WHEN :sort = 'title' THEN title END COLLATE NOCASE ASC,
         CASE WHEN :sort = 'oldest' THEN created_at END ASC,
         created_at DESC
"""
LIST_SQL = "SELECT * FROM notes WHERE owner_id = :owner" + ORDER_BY
SEARCH_SQL = "SELECT * FROM notes WHERE owner_id = :owner AND title LIKE :pattern ESCAPE '\\'" + ORDER_BY


def get_db():
    if "db" not in g:
        g.db = sqlite3.connect(current_app.config["DATABASE"])
        g.db.row_factory = sqlite3.Row
    return g.db


def close_db(exc=None):
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


def query(sql, args=(), one=False):
    """Run a statement and return all rows, or the first one when one=True."""
    cur = get_db().execute(sql, args)
    rows = cur.fetchall()
    cur.close()
    if one:
        return rows[0] if rows else None
    return rows


def execute(sql, args=()):
    conn = get_db()
    cur = conn.execute(sql, args)
    conn.commit()
    return cur.lastrowid


def get_note(note_id, owner_id):
    return query("SELECT * FROM notes WHERE id = ? AND owner_id = ?", (note_id, owner_id), one=True)


def list_notes(owner_id, sort="newest"):
    return query(LIST_SQL, {"owner": owner_id, "sort": sort})


def search_notes(owner_id, term, sort="newest"):
    pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return query(SEARCH_SQL, {"owner": owner_id, "pattern": pattern, "sort": sort})


def add_note(owner_id, title, body, source_url=None):
    return execute(
        "INSERT INTO notes (owner_id, title, body, source_url, created_at) VALUES (?, ?, ?, ?, ?)",
        (owner_id, title, body, source_url, datetime.now(timezone.utc).isoformat()),
    )


def get_attachment(attachment_id, note_id, owner_id):
    """An attachment, only if its note belongs to owner_id."""
    return query(
        "SELECT a.* FROM attachments a JOIN notes n ON n.id = a.note_id "
        "WHERE a.id = ? AND a.note_id = ? AND n.owner_id = ?",
        (attachment_id, note_id, owner_id),
        one=True,
    )


@click.command("init-db")
def init_db_command():
    """Create the tables."""
    os.makedirs(os.path.dirname(current_app.config["DATABASE"]), exist_ok=True)
    get_db().executescript(SCHEMA)
    click.echo("Initialised the database.")


def init_app(app):
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
