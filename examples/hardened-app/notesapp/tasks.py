"""Background jobs run by the worker process (python -m notesapp.tasks JOB)."""
import sys

from . import create_app
from .db import execute


class JobRouter:
    """Maps job names to functions for the worker; unrelated to Flask URL routing."""

    def __init__(self):
        self._jobs = {}

    def route(self, name):
        def register(func):
            self._jobs[name] = func
            return func
        return register

    def dispatch(self, name):
        if name not in self._jobs:
            raise SystemExit(f"unknown job: {name}")
        return self._jobs[name]()


jobs = JobRouter()


@jobs.route("purge-orphan-attachments")
def purge_orphan_attachments():
    execute("DELETE FROM attachments WHERE note_id NOT IN (SELECT id FROM notes)")


if __name__ == "__main__":
    with create_app().app_context():
        jobs.dispatch(sys.argv[1])
