"""An example login with a decorator that guards views. Replace the single account with your user store."""
import functools
import hmac

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import limiter

bp = Blueprint("auth", __name__, url_prefix="/auth")


@functools.lru_cache(maxsize=1)
def _dummy_hash():
    # Checked when the account does not exist, so a wrong name takes as long as a wrong password.
    return generate_password_hash("not-a-real-password")


def login_required(view):
    """Send visitors without a session to the login page."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if session.get("user") is None:
            return redirect(url_for("auth.login"))
        return view(*args, **kwargs)

    return wrapped


def verify_password(username, password):
    expected_user = current_app.config["ADMIN_USERNAME"]
    stored_hash = current_app.config["ADMIN_PASSWORD_HASH"]
    known = bool(expected_user and stored_hash) and hmac.compare_digest(username.encode(), expected_user.encode())
    password_ok = check_password_hash(stored_hash if known else _dummy_hash(), password)
    return known and password_ok


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def login():
    if request.method == "POST":
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        if verify_password(username, password):
            # A fresh session on login, so an identifier planted before cannot be carried over.
            session.clear()
            session["user"] = username
            session.permanent = True
            return redirect(url_for("main.dashboard"))
        flash("Wrong user name or password.")
    return render_template("auth/login.html")


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return redirect(url_for("main.index"))
