"""Local development server: python dev_server.py"""
from notesapp import create_app

app = create_app("development")

if __name__ == "__main__":
    # SAFE: FLASK-DEPLOY-001 development block behind the __main__ guard, never the deployed entry point
    # SAFE: FLASK-DEPLOY-002 debugger only for a developer's own machine, bound to localhost by default
    app.run(debug=True)
