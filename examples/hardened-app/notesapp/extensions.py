"""Extension objects, created unbound here and attached to the app in create_app()."""
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"

# get_remote_address reads request.remote_addr, which ProxyFix(x_for=1) has set to the client
# address our single proxy reported. Storage comes from RATELIMIT_STORAGE_URI (Redis in production)
# so every gunicorn worker shares the same counters.
limiter = Limiter(key_func=get_remote_address, default_limits=["300 per hour"])

talisman = Talisman()

cors = CORS()

# Scripts and styles only from our own origin; the few inline scripts carry a per-request nonce.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
