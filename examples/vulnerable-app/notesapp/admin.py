"""Operator pages: user administration and diagnostics."""
import os

from flask import Blueprint, abort, jsonify

from .db import query

bp = Blueprint("admin", __name__)


# VULN: FLASK-API-001 leftover diagnostics route returns every environment variable (keys, DB credentials)
@bp.route("/debug/env")
def debug_env():
    return jsonify(dict(os.environ))


# VULN: FLASK-AUTH-001 admin view with no login or role check; any visitor can walk the user ids
@bp.route("/admin/users/<int:user_id>")
def admin_user(user_id):
    row = query(
        "SELECT id, username, email, is_admin, reset_token FROM users WHERE id = ?", (user_id,), one=True
    )
    if row is None:
        abort(404)
    return jsonify(dict(row))
