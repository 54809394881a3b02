"""Core pages: home, login, logout and the language switch."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from core.auth import public, safe_next
from core.forms import LanguageForm, LoginForm
from core.limits import LOGIN_LIMIT, limiter
from core.users import Role, authenticate

bp = Blueprint("auth", __name__)
HOME_OF = {frozenset({Role.MAINTENANCE}): "maintenance.my_orders", frozenset({Role.ASSESSOR}): "mywork.my_work"}


@bp.route("/")
@public
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    # A technician's and a home visitor's day start on their own lists.
    landing = HOME_OF.get(frozenset(current_user.roles))
    if landing is not None:
        return redirect(url_for(landing))
    return render_template("home.html")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong username or password."))
        else:
            login_user(user)
            if user.locale is None and session.get("lang"):
                user.locale = session["lang"]
            return redirect(safe_next(form.next.data, url_for("auth.home")))
    return render_template("auth/login.html", form=form), (422 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
@public
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang", methods=["POST"])
@public
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.locale = form.lang.data
    return redirect(safe_next(form.next.data, url_for("auth.home")))
