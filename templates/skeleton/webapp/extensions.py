"""Extension objects, created unbound here and attached to the app in create_app()."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

# Checks a token on every state-changing request; templates add it with {{ csrf_token() }}.
csrf = CSRFProtect()

# Keyed on request.remote_addr: the client itself, or with TRUSTED_PROXY_HOPS set, the address
# the trusted proxy reported (ProxyFix in create_app). A header the client writes is never the key.
limiter = Limiter(key_func=get_remote_address, default_limits=["300 per hour", "60 per minute"])
