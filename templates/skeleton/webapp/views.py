"""The pages of the application."""
from flask import Blueprint, render_template, session

from .auth import login_required

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    return render_template("index.html")


@bp.route("/dashboard")
@login_required
def dashboard():
    return render_template("dashboard.html", user=session["user"])
