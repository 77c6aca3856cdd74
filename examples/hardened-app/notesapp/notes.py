"""Notes: list, search, view, preview, delete, attachments, import and link preview."""
import json
import os
import secrets

import requests
import yaml
from flask import (
    Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request,
    send_from_directory, url_for,
)
from flask_login import current_user, login_required
from werkzeug.utils import secure_filename

from . import db
from .extensions import limiter
from .security import FetchRefused, fetch_page_title, make_thumbnail, sniff_content_type

bp = Blueprint("notes", __name__, url_prefix="/notes")

MAX_IMPORTED_NOTES = 200
# Characters in a note body; the form limit (MAX_FORM_MEMORY_SIZE) bounds the bytes before this.
MAX_NOTE_LENGTH = 50_000
IMAGE_CODERS = {"image/png": "png", "image/jpeg": "jpeg"}


def load_view_prefs():
    """Display preferences from a plain JSON cookie; anything unexpected falls back to defaults."""
    try:
        data = json.loads(request.cookies.get("view_prefs", "") or "{}")
    except ValueError:
        data = {}
    sort = data.get("sort") if isinstance(data, dict) else None
    return {"sort": sort if sort in db.SORT_ORDERS else "newest"}


@bp.route("/")
@login_required
def index():
    prefs = load_view_prefs()
    term = request.args.get("q", "").strip()[:100]
    if term:
        rows = db.search_notes(current_user.id, term, prefs["sort"])
    else:
        rows = db.list_notes(current_user.id, prefs["sort"])
    return render_template("notes/index.html", notes=rows, term=term)


@bp.route("/new", methods=["POST"])
@login_required
def create():
    title = request.form.get("title", "").strip()
    body = request.form.get("body", "")
    source_url = request.form.get("source_url", "").strip()
    if not title:
        flash("A note needs a title.")
    elif len(body) > MAX_NOTE_LENGTH:
        flash(f"A note can hold at most {MAX_NOTE_LENGTH} characters.")
    elif source_url and not source_url.startswith(("https://", "http://")):
        flash("The source link must start with http:// or https://.")
    else:
        db.add_note(current_user.id, title[:200], body, source_url or None)
        flash("Note saved.")
    return redirect(url_for("notes.index"))


@bp.route("/<int:note_id>")
@login_required
def view(note_id):
    note = db.get_note(note_id, current_user.id)
    if note is None:
        abort(404)
    files = db.query("SELECT * FROM attachments WHERE note_id = ?", (note_id,))
    return render_template("notes/view.html", note=note, attachments=files)


@bp.route("/preview", methods=["POST"])
@login_required
def preview():
    # The body is data for a fixed template, escaped on output; it is never compiled as one.
    body = request.form.get("body", "")
    if len(body) > MAX_NOTE_LENGTH:
        abort(413)
    return render_template("notes/preview.html", body=body)


@bp.route("/<int:note_id>/delete", methods=["POST"])
@login_required
def delete(note_id):
    db.execute("DELETE FROM notes WHERE id = ? AND owner_id = ?", (note_id, current_user.id))
    return redirect(url_for("notes.index"))


@bp.route("/<int:note_id>/attachments", methods=["POST"])
@login_required
def upload_attachment(note_id):
    if db.get_note(note_id, current_user.id) is None:
        abort(404)
    upload = request.files.get("file")
    display_name = secure_filename(upload.filename or "") if upload else ""
    extension = display_name.rsplit(".", 1)[-1].lower() if "." in display_name else ""
    expected_type = current_app.config["UPLOAD_TYPES"].get(extension)
    if expected_type is None:
        flash("Attach a PNG, JPEG, PDF or plain-text file.")
        return redirect(url_for("notes.view", note_id=note_id))
    stored_name = f"{secrets.token_hex(16)}.{extension}"
    path = os.path.join(current_app.config["UPLOAD_FOLDER"], stored_name)
    upload.save(path)
    if sniff_content_type(path) != expected_type:
        os.remove(path)
        flash("The file's contents do not match its extension.")
        return redirect(url_for("notes.view", note_id=note_id))
    db.execute(
        "INSERT INTO attachments (note_id, stored_name, display_name, content_type) VALUES (?, ?, ?, ?)",
        (note_id, stored_name, display_name, expected_type),
    )
    return redirect(url_for("notes.view", note_id=note_id))


@bp.route("/<int:note_id>/attachments/<int:attachment_id>")
@login_required
def download_attachment(note_id, attachment_id):
    row = db.get_attachment(attachment_id, note_id, current_user.id)
    if row is None:
        abort(404)
    # Always a download, never rendered inline, whatever the type.
    return send_from_directory(
        current_app.config["UPLOAD_FOLDER"], row["stored_name"], as_attachment=True,
        download_name=row["display_name"], mimetype=row["content_type"],
    )


@bp.route("/<int:note_id>/attachments/<int:attachment_id>/thumbnail", methods=["POST"])
@login_required
def thumbnail(note_id, attachment_id):
    row = db.get_attachment(attachment_id, note_id, current_user.id)
    size = current_app.config["THUMBNAIL_SIZES"].get(request.form.get("size", "small"))
    if row is None or row["content_type"] not in IMAGE_CODERS or size is None:
        abort(404 if row is None else 400)
    folder = current_app.config["UPLOAD_FOLDER"]
    make_thumbnail(
        os.path.join(folder, row["stored_name"]),
        os.path.join(folder, f"thumb_{row['stored_name']}.png"),
        IMAGE_CODERS[row["content_type"]],
        size,
    )
    flash("Thumbnail created.")
    return redirect(url_for("notes.view", note_id=note_id))


@bp.route("/import", methods=["POST"])
@login_required
def import_notes():
    upload = request.files.get("export")
    try:
        entries = yaml.safe_load(upload.read()) if upload else None
    except yaml.YAMLError:
        entries = None
    if not isinstance(entries, list) or len(entries) > MAX_IMPORTED_NOTES:
        flash(f"The export must be a YAML list of at most {MAX_IMPORTED_NOTES} notes.")
        return redirect(url_for("notes.index"))
    valid = [e for e in entries if isinstance(e, dict) and isinstance(e.get("title"), str) and isinstance(e.get("body"), str)]
    for entry in valid:
        db.add_note(current_user.id, entry["title"][:200], entry["body"])
    flash(f"Imported {len(valid)} notes.")
    return redirect(url_for("notes.index"))


@bp.route("/link-preview")
@login_required
@limiter.limit("30 per hour")
def link_preview():
    url = request.args.get("url", "").strip()
    if not url.startswith(("https://", "http://")):
        return jsonify(error="give an http:// or https:// link to preview"), 400
    try:
        title = fetch_page_title(url, current_app.config["PREVIEW_ALLOWED_HOSTS"])
    except FetchRefused as refused:
        current_app.logger.info("link preview refused: %s", refused)
        return jsonify(error="that link cannot be previewed"), 400
    except (requests.RequestException, OSError):
        return jsonify(error="the page could not be fetched"), 502
    return jsonify(title=title)



@bp.route("/import/enex", methods=["POST"])
@login_required
def import_enex():
    """Notes exported from Evernote (.enex, an XML format), parsed without entity expansion or network access."""
    from defusedxml.lxml import fromstring

    root = fromstring(request.files["export"].read())
    for note in list(root.iter("note"))[:200]:
        db.add_note(current_user.id, str(note.findtext("title") or "")[:200], str(note.findtext("content") or ""))
    return redirect(url_for("notes.index"))
