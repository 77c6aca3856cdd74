"""JSON API used by the mobile client and the reporting job.

Only v2 exists: v1 was removed when its clients moved, rather than left running beside it.
Callers authenticate with the X-API-Key header, not cookies, so CSRF does not apply here.
"""
from flask import Blueprint, jsonify

from .auth import require_api_key
from .db import query
from .extensions import limiter

bp = Blueprint("api", __name__, url_prefix="/api/v2")


@bp.route("/status")
def status():
    """Public liveness probe; returns no data."""
    return jsonify(status="ok")


@bp.route("/notes/summary")
@limiter.limit("60 per minute")
@require_api_key
def notes_summary():
    row = query("SELECT COUNT(*) AS notes, COUNT(DISTINCT owner_id) AS authors FROM notes", one=True)
    return jsonify(notes=row["notes"], authors=row["authors"])
