"""The JSON API's shared parts: the flask-smorest ``Api``, the token and password endpoints."""
from __future__ import annotations

from apispec import BasePlugin
from flask import abort
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields, validate

from core import accounts
from core.auth import bearer_token, current_actor, public, require_login, require_role, token_lifetime
from core.input_guards import guard_json_body
from core.limits import LOGIN_LIMIT, limiter
from core.passwords import MAX_LENGTH
from core.users import DEFAULT_TOKEN_DAYS, authenticate, issue_token, token_row



class ErrorResponses(BasePlugin):
    """Name in each operation the errors it answers besides its own: 401 and 403 where a role is
    required, 404 where the path names an object, 400 where it reads a JSON body (one that is
    not JSON or nested too deep). Anything else is the ``default`` error."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            codes = {str(code) for code in responses}
            wanted = []
            if operation.get("security"):
                wanted += [("401", "UNAUTHORIZED"), ("403", "FORBIDDEN")]
            if "{" in (path or ""):
                wanted.append(("404", "NOT_FOUND"))
            if "requestBody" in operation:
                wanted.append(("400", "BAD_REQUEST"))
            for code, name in wanted:
                if code not in codes:
                    responses[code] = name


api = Api(spec_kwargs={"extra_plugins": [ErrorResponses()]})

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1/auth", description="API tokens and passwords")


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=MAX_LENGTH))


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=MAX_LENGTH))
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=MAX_LENGTH))


@bp.route("/token")
class TokenResource(MethodView):
    @public
    @limiter.limit(LOGIN_LIMIT)
    @bp.arguments(TokenRequestSchema)
    @bp.response(201, TokenSchema)
    @bp.alt_response(401, response="UNAUTHORIZED", description="Unknown user or wrong password")
    @bp.alt_response(429, response="TOO_MANY_REQUESTS", description="Too many attempts; try again later")
    def post(self, data):
        """Exchange a username and password for a bearer token.

        The token lasts the server's ``API_TOKEN_DAYS`` (30 days unless set otherwise), and ends
        sooner at ``DELETE``, when the user logs out, changes the password or is deactivated.
        """
        user = authenticate(data["username"], data["password"])
        if user is None:
            abort(401)
        token, row = issue_token(user, token_lifetime())
        return {"token": token, "expires_at": row.expires_at}

    @require_login
    @bp.response(204)
    def delete(self):
        """Revoke the token this request presents (the client is done with it)."""
        row = token_row(bearer_token() or "", token_lifetime())
        if row is None:
            abort(401)
        accounts.revoke_token(row)


@bp.route("/password", methods=["POST"])
@require_login
@limiter.limit(LOGIN_LIMIT)
@bp.arguments(PasswordChangeSchema)
@bp.response(204)
@bp.alt_response(429, response="TOO_MANY_REQUESTS", description="Too many attempts; try again later")
def change_password(data):
    """Change one's own password. Every session and token of the account ends, this one too."""
    accounts.change_own_password(current_actor(), data["current_password"], data["new_password"])


def init_api(app) -> None:
    app.config.setdefault("API_TITLE", "Assistive device lending API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_TOKEN_DAYS", DEFAULT_TOKEN_DAYS)
    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    app.before_request(guard_json_body)


def step_route(blp: Blueprint, rule: str, *, schema, response, roles, load, doc: str):
    """Register ``POST rule`` for one lifecycle step on one object.

    The decorated function is called as ``action(obj, data, actor)`` with the object that
    ``load(**path_args)`` returns; the request commits once afterwards and answers with
    the object in ``response``'s shape.
    """

    def register(action):
        @blp.route(rule, endpoint=action.__name__, methods=["POST"])
        @require_role(*roles)
        @blp.arguments(schema)
        @blp.response(200, response)
        def view(data, **path_args):
            obj = load(**path_args)
            action(obj, data, current_actor())
            return obj

        view.__doc__ = doc
        return view

    return register
