"""Entry point for the production server: gunicorn -c gunicorn.conf.py wsgi:app

Nothing here starts a server; gunicorn imports `app` and serves it. For local work use
`APP_ENV=development flask --app wsgi run` instead (see README.md)."""
from webapp import create_app

app = create_app()
