"""Notes: a small multi-user notes service with attachments and a JSON API."""
import os

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import load_config
from .extensions import CONTENT_SECURITY_POLICY, cors, csrf, limiter, login_manager, talisman

GENERIC_ERROR = "Something went wrong on our side. Please try again later."


def create_app(config_name=None):
    """Application factory used by wsgi.py, dev_server.py and the tests."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(load_config(config_name or os.environ.get("NOTES_ENV", "production")))
    if not app.config.get("DATABASE"):
        app.config["DATABASE"] = os.path.join(app.instance_path, "notes.sqlite3")
    # Uploads live in the instance folder, outside the static root, and are only served by a view.
    app.config["UPLOAD_FOLDER"] = os.path.join(app.instance_path, "uploads")
    os.makedirs(app.config["UPLOAD_FOLDER"], exist_ok=True)

    # Deployed behind exactly one reverse proxy, which sets X-Forwarded-For and
    # X-Forwarded-Proto. Trusting more hops would let clients choose their own address.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)

    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="same-origin",
    )
    # Only the v2 API is shared cross-origin, with the listed front-ends, read-only and without cookies.
    cors.init_app(
        app,
        resources={r"/api/v2/*": {"origins": app.config["CORS_ORIGINS"]}},
        methods=["GET"],
        allow_headers=["Content-Type", "X-API-Key"],
        supports_credentials=False,
    )

    from . import admin, api, auth, db, notes

    db.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(notes.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    app.add_url_rule("/", endpoint="index", view_func=notes.index)
    register_error_handlers(app)
    return app


def error_response(status, title, message):
    if request.path.startswith("/api/"):
        return jsonify(error=title), status
    return render_template("errors/error.html", title=title, message=message), status


def register_error_handlers(app):
    """Generic pages for every error; details go to the log, never to the client."""

    @app.errorhandler(404)
    def not_found(error):
        return error_response(404, "Page not found", "There is nothing at this address.")

    @app.errorhandler(500)
    def internal_error(error):
        return error_response(500, "Server error", GENERIC_ERROR)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        if isinstance(error, HTTPException):
            # Keep the status (400, 403, 405, 413, 429...) with its standard name only.
            return error_response(error.code, error.name, "The request could not be completed.")
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "Server error", GENERIC_ERROR)
