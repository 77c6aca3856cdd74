"""Local development server: python dev_server.py (production runs gunicorn, see wsgi.py).

Bound to 127.0.0.1 so nothing else on the network can reach it; the debugger is off
unless FLASK_DEBUG=1 is set in the developer's own shell.
"""
from notesapp import create_app
from notesapp.config import env_flag

if __name__ == "__main__":
    app = create_app("development")
    app.run(host="127.0.0.1", port=5000, debug=env_flag("FLASK_DEBUG", False))
