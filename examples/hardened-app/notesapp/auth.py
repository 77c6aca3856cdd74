"""Registration, login, logout and password reset."""
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta, timezone
from functools import wraps

from flask import (
    Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for,
)
from flask_login import UserMixin, login_required, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from .db import execute, query
from .extensions import limiter, login_manager
from .security import is_safe_redirect

bp = Blueprint("auth", __name__, url_prefix="/auth")

RESET_TOKEN_TTL = timedelta(minutes=30)
MIN_PASSWORD_LENGTH = 12
_UNKNOWN_USER_HASH = generate_password_hash(secrets.token_urlsafe(16))


class User(UserMixin):
    def __init__(self, row):
        self.id = row["id"]
        self.username = row["username"]
        self.email = row["email"]
        self.is_admin = bool(row["is_admin"])


@login_manager.user_loader
def load_user(user_id):
    row = query("SELECT * FROM users WHERE id = ?", (user_id,), one=True)
    return User(row) if row else None


def token_digest(token):
    """Reset tokens carry 256 random bits, so a plain SHA-256 is enough to keep them out of the DB."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def require_api_key(view):
    """Guard for the machine-to-machine API: X-API-Key header, compared in constant time."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        expected = current_app.config.get("NOTES_API_KEY", "")
        if not expected:
            # Fail closed: with no key configured the API is off, not open.
            abort(503)
        supplied = request.headers.get("X-API-Key", "")
        if not hmac.compare_digest(supplied.encode("utf-8"), expected.encode("utf-8")):
            abort(401)
        return view(*args, **kwargs)
    return wrapped


def send_reset_email(address, link):
    # Hand-off to the mail queue is out of scope for the example; the link is never logged.
    current_app.logger.info("queued a password reset email")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        email = request.form.get("email", "").strip()
        password = request.form.get("password", "")
        if not username or len(password) < MIN_PASSWORD_LENGTH:
            flash(f"Choose a username and a password of at least {MIN_PASSWORD_LENGTH} characters.")
        elif query("SELECT 1 FROM users WHERE username = ?", (username,), one=True):
            flash("That username is taken.")
        else:
            execute(
                "INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
                (username, email, generate_password_hash(password)),
            )
            return redirect(url_for("auth.login"))
    return render_template("auth/register.html")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("5 per minute;30 per hour", methods=["POST"])
def login():
    next_url = request.values.get("next", "")
    if request.method == "POST":
        password = request.form.get("password", "")
        row = query("SELECT * FROM users WHERE username = ?", (request.form.get("username", ""),), one=True)
        # Always verify a hash, even for unknown users, so timing does not reveal usernames.
        password_ok = check_password_hash(row["password_hash"] if row else _UNKNOWN_USER_HASH, password)
        if row is None or not password_ok:
            flash("Wrong username or password.")
            return render_template("auth/login.html", next_url=next_url), 401
        # A fresh session on login: nothing planted before authentication survives it.
        session.clear()
        login_user(User(row))
        session.permanent = True
        return redirect(next_url if is_safe_redirect(next_url) else url_for("notes.index"))
    return render_template("auth/login.html", next_url=next_url)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("3 per hour", methods=["POST"])
def request_reset():
    if request.method == "POST":
        email = request.form.get("email", "").strip()
        # An address without "@" was never accepted at registration, so it cannot match an account.
        row = query("SELECT * FROM users WHERE email = ?", (email,), one=True) if "@" in email else None
        if row is not None:
            token = secrets.token_urlsafe(32)
            expires = datetime.now(timezone.utc) + RESET_TOKEN_TTL
            execute(
                "UPDATE users SET reset_token_hash = ?, reset_expires_at = ? WHERE id = ?",
                (token_digest(token), expires.isoformat(), row["id"]),
            )
            # The host in this link is one of TRUSTED_HOSTS: Flask rejects any other Host header.
            send_reset_email(row["email"], url_for("auth.reset_password", token=token, _external=True))
        flash("If that address is registered, a reset link is on its way.")
    return render_template("auth/reset_request.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def reset_password(token):
    row = query("SELECT * FROM users WHERE reset_token_hash = ?", (token_digest(token),), one=True)
    if row is None or datetime.fromisoformat(row["reset_expires_at"]) < datetime.now(timezone.utc):
        abort(404)
    if request.method == "POST":
        password = request.form.get("password", "")
        if len(password) < MIN_PASSWORD_LENGTH:
            flash(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
        else:
            execute(
                "UPDATE users SET password_hash = ?, reset_token_hash = NULL, reset_expires_at = NULL "
                "WHERE id = ?",
                (generate_password_hash(password), row["id"]),
            )
            session.clear()
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", token=token)
