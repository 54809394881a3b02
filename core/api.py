"""The JSON API's shared parts: the flask-smorest ``Api`` and the token endpoint."""
from __future__ import annotations

from flask import abort
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields, validate

from core.auth import current_actor, public, require_role
from core.limits import LOGIN_LIMIT, limiter
from core.users import authenticate, issue_token

api = Api()

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1/auth", description="API tokens")


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


@bp.route("/token")
class TokenResource(MethodView):
    @public
    @limiter.limit(LOGIN_LIMIT)
    @bp.arguments(TokenRequestSchema)
    @bp.response(201, TokenSchema)
    def post(self, data):
        """Exchange a username and password for a bearer token (valid 90 days)."""
        user = authenticate(data["username"], data["password"])
        if user is None:
            abort(401)
        token, row = issue_token(user)
        return {"token": token, "expires_at": row.expires_at}


def init_api(app) -> None:
    app.config.setdefault("API_TITLE", "Assistive device lending API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})


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
