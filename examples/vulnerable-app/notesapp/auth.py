"""Registration, login, logout and password reset."""
import hashlib
import os
import random
import string
from functools import wraps

from flask import (
    Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for,
)
from flask_login import UserMixin, login_required, login_user, logout_user

from . import login_manager
from .db import get_db, query

bp = Blueprint("auth", __name__, url_prefix="/auth")


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


def hash_password(password):
    # VULN: FLASK-CRYPTO-001 fast, unsalted MD5 digest used to store passwords
    return hashlib.md5(password.encode("utf-8")).hexdigest()


def make_reset_token():
    alphabet = string.ascii_letters + string.digits
    # VULN: FLASK-CRYPTO-002 reset token drawn from the predictable random module
    return "".join(random.choice(alphabet) for _ in range(20))


def require_api_key(view):
    """Guard for the machine-to-machine API."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        # VULN: FLASK-HTTP-001 API key also accepted from the query string, where logs keep it
        supplied = request.headers.get("X-API-Key") or request.args.get("api_key")
        # VULN: FLASK-AUTH-002 passes when NOTES_API_KEY is unset and no key is sent (None != None is False); not constant-time
        if supplied != os.getenv("NOTES_API_KEY"):
            abort(401)
        return view(*args, **kwargs)
    return wrapped


def send_reset_email(address, link):
    # Hand-off to the mail queue is out of scope for the example.
    current_app.logger.info("queued password reset email for %s", address)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        email = request.form.get("email", "").strip()
        password = request.form.get("password", "")
        if not username or not password:
            flash("Username and password are required.")
        else:
            db = get_db()
            db.execute(
                "INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
                (username, email, hash_password(password)),
            )
            db.commit()
            return redirect(url_for("auth.login"))
    return render_template("auth/register.html")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        password = request.form.get("password", "")
        row = query(
            "SELECT * FROM users WHERE username = ?", (request.form.get("username"),), one=True
        )
        if row is None or row["password_hash"] != hash_password(password):
            flash("Wrong username or password.")
            return render_template("auth/login.html"), 401
        session.permanent = True
        # VULN: FLASK-SESS-002 the pre-login session is kept, so a planted session id survives login
        login_user(User(row))
        # VULN: FLASK-SESS-002 plaintext password stored in the signed but unencrypted session cookie
        session["password"] = password
        # VULN: FLASK-REDIRECT-001 next parameter followed to any external site
        return redirect(request.args.get("next") or url_for("notes.index"))
    return render_template("auth/login.html")


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/reset", methods=["GET", "POST"])
def request_reset():
    if request.method == "POST":
        row = query("SELECT * FROM users WHERE email = ?", (request.form.get("email"),), one=True)
        if row is not None:
            token = make_reset_token()
            db = get_db()
            db.execute("UPDATE users SET reset_token = ? WHERE id = ?", (token, row["id"]))
            db.commit()
            send_reset_email(row["email"], url_for("auth.reset_password", token=token, _external=True))
        flash("If that address is registered, a reset link is on its way.")
    return render_template("auth/reset_request.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    row = query("SELECT * FROM users WHERE reset_token = ?", (token,), one=True)
    if row is None:
        abort(404)
    if request.method == "POST":
        db = get_db()
        db.execute(
            "UPDATE users SET password_hash = ?, reset_token = NULL WHERE id = ?",
            (hash_password(request.form["password"]), row["id"]),
        )
        db.commit()
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", token=token)


@bp.route("/switch-account", methods=["POST"])
@login_required
def switch_account():
    """Lets someone who shares a device hop between their accounts without typing passwords again."""
    # VULN: FLASK-TRUST-001 the account to switch to comes from the form; nothing checks it belongs to the person
    # VULN: FLASK-SESS-002 the switch writes a new login into the existing session without clearing it
    session["_user_id"] = request.form["account_id"]
    return redirect(url_for("notes.index"))
