"""Response headers that tell browsers to restrict what a page may do, and the Host header check."""
from flask import abort, request
from werkzeug.sansio.utils import host_is_trusted

# Scripts, styles and images only from this site; no plugins, no <base> tricks, forms post only here,
# and no other site may frame these pages.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def register_security(app):
    """Install the Host check and the security headers on every response of `app`."""

    @app.before_request
    def reject_untrusted_host():
        # Flask 3.1 checks TRUSTED_HOSTS itself; this keeps older releases just as strict, so URLs built
        # from the request (password-reset links, redirects) never carry a host an attacker chose.
        if not host_is_trusted(request.host, app.config["TRUSTED_HOSTS"]):
            abort(400)

    @app.after_request
    def set_security_headers(response):
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config["HSTS_SECONDS"]:
            response.headers["Strict-Transport-Security"] = f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains"
        # Pages that depend on the session must not be kept by shared caches.
        response.headers.setdefault("Cache-Control", "no-store")
        return response
