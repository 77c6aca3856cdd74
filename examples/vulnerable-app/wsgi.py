"""Production entry point, started by the Procfile and the Docker image."""
from notesapp import create_app

app = create_app()

# VULN: FLASK-DEPLOY-001 the Werkzeug development server is started on import, with no __main__ guard
# VULN: FLASK-DEPLOY-002 interactive debugger (remote code execution) enabled and bound to all interfaces
app.run(host="0.0.0.0", port=8000, debug=True)
