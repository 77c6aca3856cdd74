"""Production entry point, started by the Procfile and the Docker image."""
from werkzeug.middleware.profiler import ProfilerMiddleware

from notesapp import create_app

app = create_app()
# VULN: FLASK-DEPLOY-003 left over from a performance hunt: every request is profiled and dumped to the log
app.wsgi_app = ProfilerMiddleware(app.wsgi_app, restrictions=[30])

# VULN: FLASK-DEPLOY-001 the Werkzeug development server is started on import, with no __main__ guard
# VULN: FLASK-DEPLOY-002 interactive debugger (remote code execution) enabled and bound to all interfaces
app.run(host="0.0.0.0", port=8000, debug=True)
