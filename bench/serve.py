"""The lending app as bench/run.py serves it under gunicorn, on the benchmark's data.

    BENCH_DATABASE_URL=sqlite:////tmp/bench-scale-1.sqlite gunicorn 'bench.serve:lending_app()'
"""
from __future__ import annotations

import os

from flask import Flask

from app import create_app


def lending_app() -> Flask:
    # Rate limits stay off unless asked for: one client at 16 connections would meet them at once,
    # and the figure would be of the 429 page.
    return create_app({"SQLALCHEMY_DATABASE_URI": os.environ["BENCH_DATABASE_URL"],
                       "RATELIMIT_ENABLED": os.environ.get("BENCH_RATE_LIMITS") == "1"})

