"""The ceiling of bench/run.py: a hello-world Flask app, served by the same gunicorn as the app.

It imports nothing of the project, so its workers hold only Flask.
"""
from __future__ import annotations

from flask import Flask


def hello_app() -> Flask:
    hello = Flask(__name__)

    @hello.route("/")
    def index():
        return "Hello, World!"

    return hello
