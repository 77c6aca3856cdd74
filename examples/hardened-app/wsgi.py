"""WSGI entry point for the production server: gunicorn wsgi:app

No development server is started here; gunicorn imports `app` and serves it.
"""
from notesapp import create_app

app = create_app()
