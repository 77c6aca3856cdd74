"""Notes: a small multi-user notes service with attachments and a JSON API."""
import os

from flask import Flask, jsonify
from flask_cors import CORS
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import config_by_name

csrf = CSRFProtect()
login_manager = LoginManager()


def create_app(config_name=None):
    """Application factory used by wsgi.py, dev_server.py and the tests."""
    config_name = config_name or os.environ.get("NOTES_ENV", "production")

    # VULN: FLASK-HOST-001 TRUSTED_HOSTS never set, so reset links are built from any Host header
    # VULN: FLASK-HEADERS-001 no CSP, nosniff or frame protection in the app or the deployment files
    # VULN: FLASK-LIMITS-001 no MAX_CONTENT_LENGTH or form limits although the app takes uploads
    # VULN: FLASK-RATE-001 no rate limiter anywhere: login and password reset accept unlimited guesses
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config_by_name[config_name])
    # VULN: FLASK-CONFIG-002 ENV was removed in Flask 2.3, so this is never true and links stay http://
    if app.config.get("ENV") == "production":
        app.config["PREFERRED_URL_SCHEME"] = "https"
    os.makedirs(app.config["UPLOAD_DIR"], exist_ok=True)

    # VULN: FLASK-PROXY-001 trusts five hops of X-Forwarded-* although one proxy sits in front
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=5, x_proto=5, x_host=5, x_prefix=5)

    # VULN: FLASK-CORS-001 every origin may make credentialed requests to every route
    CORS(app, supports_credentials=True, origins="*")

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"

    from . import admin, api, auth, db, notes

    db.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(notes.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    app.add_url_rule("/", endpoint="index", view_func=notes.index)

    @app.errorhandler(Exception)
    def handle_unexpected_error(error):
        # VULN: FLASK-ERROR-001 raw exception text (SQL, paths, settings) sent to the client
        return jsonify(error=str(error), type=type(error).__name__), 500

    return app
