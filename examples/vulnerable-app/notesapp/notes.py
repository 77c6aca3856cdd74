"""Notes: list, search, view, preview, delete, attachments, import and link preview."""
import base64
import os
import pickle
import re
import subprocess

import requests
import yaml
from flask import (
    Blueprint, abort, current_app, flash, jsonify, redirect, render_template,
    render_template_string, request, send_file, send_from_directory, url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup

from . import db

bp = Blueprint("notes", __name__, url_prefix="/notes")

DEFAULT_PREFS = {"order": "created_at", "per_page": 20}


def load_view_prefs():
    raw = request.cookies.get("view_prefs")
    if not raw:
        return dict(DEFAULT_PREFS)
    # VULN: FLASK-DESER-001 unpickles a cookie the client fully controls (code execution)
    return pickle.loads(base64.b64decode(raw))


@bp.route("/")
@login_required
def index():
    prefs = load_view_prefs()
    term = request.args.get("q", "")
    if term:
        rows = db.search_notes(current_user.id, term, prefs["order"])
        # VULN: FLASK-XSS-001 search term marked safe and echoed into the page
        banner = Markup(f"Results for <em>{term}</em>")
    else:
        rows = db.list_notes(current_user.id)
        banner = None
    return render_template("notes/index.html", notes=rows, banner=banner)


@bp.route("/new", methods=["POST"])
@login_required
def create():
    db.add_note(current_user.id, request.form["title"], request.form["body"], request.form.get("source_url"))
    # SAFE: FLASK-XSS-001 constant markup, no user data inside
    flash(Markup("<strong>Note saved.</strong>"))
    return redirect(url_for("notes.index"))


@bp.route("/<int:note_id>")
@login_required
def view(note_id):
    note = db.get_note(note_id, current_user.id) or abort(404)
    files = db.query("SELECT * FROM attachments WHERE note_id = ?", (note_id,))
    return render_template("notes/view.html", note=note, attachments=files)


@bp.route("/preview", methods=["POST"])
@login_required
def preview():
    body = request.form.get("body", "")
    # VULN: FLASK-SSTI-001 the note text is compiled and run as a Jinja template
    return render_template_string("<article class='preview'>" + body + "</article>")


# VULN: FLASK-HTTP-001 deletes data on GET, so a link or <img> tag can trigger it
@bp.route("/<int:note_id>/delete")
@login_required
def delete(note_id):
    conn = db.get_db()
    conn.execute("DELETE FROM notes WHERE id = ? AND owner_id = ?", (note_id, current_user.id))
    conn.commit()
    return redirect(url_for("notes.index"))


@bp.route("/<int:note_id>/attachments", methods=["POST"])
@login_required
def upload_attachment(note_id):
    if db.get_note(note_id, current_user.id) is None:
        abort(404)
    upload = request.files["file"]
    # VULN: FLASK-UPLOAD-001 client filename used as the storage path, any type, inside the static root
    upload.save(os.path.join(current_app.config["UPLOAD_DIR"], upload.filename))
    conn = db.get_db()
    conn.execute("INSERT INTO attachments (note_id, filename) VALUES (?, ?)", (note_id, upload.filename))
    conn.commit()
    return redirect(url_for("notes.view", note_id=note_id))


@bp.route("/attachments/download")
@login_required
def download_attachment():
    # VULN: FLASK-PATH-001 name from the query string joined onto the upload folder (../ escapes it)
    # VULN: FLASK-UPLOAD-001 attachments of any type are sent back inline, so an uploaded .html or .svg file runs as a page of the site
    return send_file(os.path.join(current_app.config["UPLOAD_DIR"], request.args["name"]))


@bp.route("/attachments/<path:name>")
@login_required
def attachment(name):
    # SAFE: FLASK-PATH-001 send_from_directory rejects paths that leave the base folder
    return send_from_directory(current_app.config["UPLOAD_DIR"], name, as_attachment=True)


@bp.route("/attachments/thumbnail", methods=["POST"])
@login_required
def make_thumbnail():
    name = request.form["name"]
    # VULN: FLASK-INJECT-002 client-supplied file name interpolated into a shell command line
    subprocess.run(f"convert {name} -resize 200x200 thumb_{name}", shell=True, cwd=current_app.config["UPLOAD_DIR"])
    return redirect(url_for("notes.index"))


@bp.route("/import", methods=["POST"])
@login_required
def import_notes():
    # VULN: FLASK-DESER-001 yaml.load with the unsafe Loader builds arbitrary Python objects
    entries = yaml.load(request.files["export"].read(), Loader=yaml.Loader)
    for entry in entries:
        db.add_note(current_user.id, entry["title"], entry["body"])
    flash(f"Imported {len(entries)} notes.")
    return redirect(url_for("notes.index"))


@bp.route("/link-preview")
@login_required
def link_preview():
    # VULN: FLASK-SSRF-001 fetches any URL the client names (internal hosts, metadata service) with no timeout
    page = requests.get(request.args["url"])
    match = re.search(r"<title>(.*?)</title>", page.text, re.I | re.S)
    return jsonify(title=match.group(1).strip() if match else None)


@bp.route("/status")
@login_required
def service_status():
    # SAFE: FLASK-SSRF-001 fixed URL from configuration, nothing from the request
    reply = requests.get(current_app.config["STATUS_PAGE_URL"], timeout=5)
    return jsonify(status=reply.json().get("status", {}).get("description", "unknown"))


@bp.route("/editor-config")
@login_required
def editor_config():
    # VULN: FLASK-INFO-001 the server's spell-check API token is sent to every signed-in browser
    return jsonify(spellcheck_url=current_app.config["SPELLCHECK_URL"], spellcheck_token=current_app.config["SPELLCHECK_API_TOKEN"])


@bp.route("/import/enex", methods=["POST"])
@login_required
def import_enex():
    """Notes exported from Evernote (.enex, an XML format)."""
    from lxml import etree

    # VULN: FLASK-XXE-001 entities are expanded, so an uploaded export can pull /etc/passwd or the .env file into a note
    parser = etree.XMLParser(resolve_entities=True, strip_cdata=False)
    root = etree.fromstring(request.files["export"].read(), parser)
    for note in root.iter("note"):
        db.add_note(current_user.id, note.findtext("title") or "", note.findtext("content") or "")
    return redirect(url_for("notes.index"))
