"""JSON API used by the mobile client and the reporting job."""
from flask import Blueprint, jsonify

from .auth import require_api_key
from .db import query

bp = Blueprint("api", __name__, url_prefix="/api")


# VULN: FLASK-API-002 retired v1 endpoint still routed next to v2, reading the same production data
# VULN: FLASK-AUTH-001 no authentication at all: any caller can read any user's notes by id
# VULN: FLASK-API-003 the v1 route is missing from openapi.yaml, so clients and reviewers do not know it exists
@bp.route("/v1/users/<int:user_id>/notes")
def v1_user_notes(user_id):
    rows = query("SELECT id, title, body FROM notes WHERE owner_id = ?", (user_id,))
    return jsonify(notes=[dict(row) for row in rows])


@bp.route("/v2/users/<int:user_id>/notes")
@require_api_key
def v2_user_notes(user_id):
    rows = query("SELECT id, title FROM notes WHERE owner_id = ?", (user_id,))
    return jsonify(notes=[dict(row) for row in rows])


@bp.route("/v2/status")
def v2_status():
    return jsonify(status="ok")


@bp.route("/v2/notes/summary")
@require_api_key
def v2_notes_summary():
    row = query("SELECT COUNT(*) AS notes, COUNT(DISTINCT owner_id) AS authors FROM notes", one=True)
    return jsonify(notes=row["notes"], authors=row["authors"])
