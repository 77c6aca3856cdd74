"""Application factory. gunicorn loads it through wsgi.py; the tests call create_app("testing")."""
import os

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import load_config
from .extensions import csrf, limiter
from .security import register_security


def create_app(config_name=None):
    app = Flask(__name__, instance_relative_config=True)
    # Production unless told otherwise: a missing APP_ENV must never mean development settings.
    app.config.from_object(load_config(config_name or os.environ.get("APP_ENV", "production")))

    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        # Take the client address and scheme from that many proxies' X-Forwarded-* headers, and no more.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    # The limiter first, so floods are counted even when they fail the CSRF check.
    limiter.init_app(app)
    csrf.init_app(app)
    register_security(app)

    from . import auth, views

    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)
    register_error_handlers(app)
    return app


def register_error_handlers(app):
    """Every error gets a short generic page; details go to the log, never to the client."""

    def error_page(status, title):
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error=title), status
        return render_template("errors/error.html", status=status, title=title), status

    @app.errorhandler(HTTPException)
    def http_error(error):
        # Keep the status code and its standard name (400, 404, 413, 429...), drop the description.
        return error_page(error.code or 500, error.name)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_page(500, "Internal Server Error")
