"""SQLite access helpers shared by the blueprints."""
import os
import sqlite3
import subprocess
from datetime import datetime

import click
from flask import current_app, g

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT UNIQUE NOT NULL,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0,
    reset_token TEXT
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
    filename TEXT NOT NULL
);
"""


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


def get_note(note_id, owner_id):
    # SAFE: FLASK-INJECT-001 values are bound as parameters, never pasted into the SQL text
    return query(
        "SELECT * FROM notes WHERE id = ? AND owner_id = ?", (note_id, owner_id), one=True
    )


def list_notes(owner_id):
    return query(
        "SELECT * FROM notes WHERE owner_id = ? ORDER BY created_at DESC", (owner_id,)
    )


def search_notes(owner_id, term, order="created_at"):
    db = get_db()
    # VULN: FLASK-INJECT-001 search term and sort column pasted into the SQL text
    cur = db.execute(f"SELECT * FROM notes WHERE owner_id = {owner_id} AND title LIKE '%{term}%' ORDER BY {order}")
    return cur.fetchall()


def add_note(owner_id, title, body, source_url=None):
    db = get_db()
    cur = db.execute(
        "INSERT INTO notes (owner_id, title, body, source_url, created_at) VALUES (?, ?, ?, ?, ?)",
        (owner_id, title, body, source_url, datetime.utcnow().isoformat()),
    )
    db.commit()
    return cur.lastrowid


@click.command("init-db")
def init_db_command():
    """Create the tables."""
    os.makedirs(os.path.dirname(current_app.config["DATABASE"]), exist_ok=True)
    get_db().executescript(SCHEMA)
    click.echo("Initialised the database.")


@click.command("backup-db")
@click.argument("destination")
def backup_db_command(destination):
    """Copy the database with the sqlite3 tool (operator-only CLI command)."""
    # SAFE: FLASK-INJECT-002 argument list without a shell, run by an operator from the CLI
    subprocess.run(["sqlite3", current_app.config["DATABASE"], f".backup {destination}"], check=True)


def init_app(app):
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
    app.cli.add_command(backup_db_command)
