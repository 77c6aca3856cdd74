"""Operator pages: user administration. Diagnostics live in the log and metrics, not in routes."""
from functools import wraps

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from .db import query

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_required(view):
    """Refuse signed-in users who are not administrators (use below login_required)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


@bp.route("/users/<int:user_id>")
@login_required
@admin_required
def user_detail(user_id):
    row = query("SELECT id, username, email, is_admin FROM users WHERE id = ?", (user_id,), one=True)
    if row is None:
        abort(404)
    return render_template("admin/user.html", user=row)
