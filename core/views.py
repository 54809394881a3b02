"""Core pages: home, login, logout, the language switch, one's own password and the users page."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from core import accounts
from core.auth import current_actor, public, require_login, require_role, safe_next
from core.forms import LanguageForm, LoginForm, PasswordForm, attempt, submit
from core.limits import LOGIN_LIMIT, limiter
from core.users import Role, authenticate

bp = Blueprint("auth", __name__)
HOME_OF = {frozenset({Role.MAINTENANCE}): "maintenance.my_orders", frozenset({Role.ASSESSOR}): "mywork.my_work",
           frozenset({Role.DPO}): "privacy.access_log_page"}
# The head of center and the system's owner start on the day's figures (with the start tiles below them).
DASHBOARD_ROLES = (Role.SUPERVISOR, Role.ADMIN)
ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"), Role.STAFF: _l("Device center staff"), Role.ASSESSOR: _l("Assessor"),
    Role.SUPERVISOR: _l("Supervisor"), Role.MAINTENANCE: _l("Maintenance"), Role.TREASURER: _l("Treasurer"),
    Role.DONOR: _l("Donor"), Role.DPO: _l("Data protection officer"),
}


@bp.route("/")
@public
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    # A technician's and a home visitor's day start on their own lists.
    landing = HOME_OF.get(frozenset(current_user.roles))
    if landing is None and current_user.has_role(*DASHBOARD_ROLES):
        landing = "dashboard.dashboard_page"
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
    """Log out on every device: a copy of this session's cookie, or any other, stops working too."""
    user = current_actor()
    if user is not None:
        accounts.log_out_everywhere(user)
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@require_login
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def change_password():
    """One's own new password; every session and API token of the account ends with the old one."""
    form = PasswordForm()
    user = current_actor()
    changed, status = submit(form, lambda: accounts.change_own_password(
        user, form.current_password.data, form.new_password.data))
    if changed is not None:
        logout_user()
        flash(_("Your password is changed and you are logged out everywhere. Log in with the new password."),
              "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/password.html", form=form), status


@bp.route("/admin/users")
@require_role(Role.ADMIN)
def users():
    return render_template("auth/users.html", users=accounts.list_users(), role_labels=ROLE_LABELS)


@bp.route("/admin/users/<username>/deactivate", methods=["POST"])
@require_role(Role.ADMIN)
def deactivate_user(username):
    user = accounts.get_user(username)
    _done, error = attempt(lambda: accounts.deactivate(user, by=current_actor()))
    if error is not None:
        flash(str(error.message), "error")
    else:
        flash(_("%(username)s can no longer log in; their sessions and API tokens have ended.",
                username=user.username), "success")
    return redirect(url_for("auth.users"))


@bp.route("/admin/users/<username>/reactivate", methods=["POST"])
@require_role(Role.ADMIN)
def reactivate_user(username):
    user = accounts.get_user(username)
    _done, error = attempt(lambda: accounts.reactivate(user, by=current_actor()))
    if error is not None:
        flash(str(error.message), "error")
    else:
        flash(_("%(username)s can log in again.", username=user.username), "success")
    return redirect(url_for("auth.users"))


@bp.route("/lang", methods=["POST"])
@public
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.locale = form.lang.data
    return redirect(safe_next(form.next.data, url_for("auth.home")))
