"""Errors of the REST API: always JSON, always French, never a 500 for a bad input.

* a validation error (body, query, path, or the engine's input) is a 422
  ``{"detail": [{"loc": [...], "msg": "<message en français>", "type": "..."}]}``;
* a body that is not JSON, holds ``NaN``/``Infinity``, an integer of thousands of digits,
  or is nested deeper than :data:`MAX_DEPTH` is a 422 too;
* missing authentication is a 401, an object the caller may not see a 404 (never a 403 that
  would reveal it exists), a failed CSRF check (session without token) a 403.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from kineco2.engine.errors import InputError
from kineco2.engine.geography import CommuneError
from kineco2.engine.schema import _french_message, field_title, field_unit

if TYPE_CHECKING:
    from ninja import NinjaAPI

#: Deepest nesting of arrays and objects accepted in a body (the input schema needs 3).
MAX_DEPTH = 32
#: Name of the body parameter of every view (ninja puts it in the error locations).
BODY_PARAM = "payload"
#: Longest message returned (a message quotes the value sent, which may be huge).
MAX_MESSAGE = 400

#: pydantic error types that ``kineco2.engine.schema._french_message`` words in French.
_ENGINE_TYPES = frozenset(
    {
        "greater_than_equal",
        "greater_than",
        "less_than_equal",
        "less_than",
        "extra_forbidden",
        "missing",
        "int_parsing",
        "int_type",
        "int_from_float",
        "float_parsing",
        "float_type",
        "finite_number",
        "bool_parsing",
        "bool_type",
        "string_type",
        "string_too_short",
        "string_too_long",
        "literal_error",
        "model_type",
        "model_attributes_type",
        "dict_type",
        "value_error",
    }
)
_OTHER_TYPES = {
    "int_parsing_size": "nombre entier trop grand",
    "list_type": "une liste est attendue",
    "too_short": "liste trop courte",
    "too_long": "liste trop longue",
    "string_pattern_mismatch": "format non reconnu",
    "datetime_parsing": "date et heure non reconnues",
    "date_parsing": "date non reconnue",
    "enum": "valeur non reconnue",
    "json_invalid": "JSON invalide",
    "union_tag_invalid": "valeur non reconnue",
}


class ApiValidationError(Exception):
    """A 422 raised by a view: ``items`` are :func:`error_item` dicts."""

    def __init__(self, items: list[dict[str, Any]]):
        self.items = items
        super().__init__("; ".join(item["msg"] for item in items))


class BodyError(ValueError):
    """The body cannot be read as JSON; the message is French."""


def _depth_ok(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth >= limit:
            return False
        stack.extend((child, depth + 1) for child in children)
    return True


def _reject_constant(name: str) -> Any:
    raise BodyError(f"« {name} » n'est pas un nombre JSON valide : envoyez un nombre fini.")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyError(f"Nombre trop grand : « {text[:20]}… » (un nombre fini est attendu).")
    return value


def loads_strict(raw: bytes | str, *, what: str = "Le corps de la requête") -> Any:
    """JSON as RFC 8259 says, or :class:`BodyError` with a French message about ``what``.

    No ``NaN``/``Infinity``, no number that overflows a float or has thousands of digits,
    nesting bounded by :data:`MAX_DEPTH`. Shared by the API and the JSON import of answers.
    """
    try:
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8-sig")
        data = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
    except BodyError:
        raise
    except RecursionError:
        raise BodyError(f"{what} est trop imbriqué ({MAX_DEPTH} niveaux au plus).") from None
    except UnicodeDecodeError:
        raise BodyError(f"{what} doit être du JSON encodé en UTF-8.") from None
    except json.JSONDecodeError as exc:
        raise BodyError(
            f"{what} n'est pas du JSON valide (ligne {exc.lineno}, colonne {exc.colno})."
        ) from None
    except ValueError:  # e.g. an integer of more than 4 300 digits
        raise BodyError(f"{what} contient un nombre illisible (trop de chiffres).") from None
    if not _depth_ok(data, MAX_DEPTH):
        raise BodyError(f"{what} est trop imbriqué ({MAX_DEPTH} niveaux au plus).")
    return data


class StrictJSONParser(Parser):
    """JSON as RFC 8259 says: no ``NaN``/``Infinity``, bounded nesting, French errors."""

    def parse_body(self, request: HttpRequest) -> Any:
        return loads_strict(request.body)


def _shorten(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def french_message(error: dict[str, Any]) -> str:
    """The French wording of one pydantic error (as in ``ValidationError.errors()``)."""
    kind = error.get("type", "")
    if kind in _ENGINE_TYPES:
        try:
            message = _french_message(error, _field_unit(tuple(error.get("loc", ()))))
        except Exception:  # a message must never turn a 422 into a 500
            message = "valeur invalide"
    else:
        message = _OTHER_TYPES.get(kind, "valeur invalide")
    if kind == "literal_error":
        message = message.replace("' or '", "' ou '")
    return _shorten(message)


def _field_unit(loc: tuple[Any, ...]) -> str:
    """The unit of the answer at ``loc`` (``("body", "energie", "electricity_kwh")``)."""
    for start in range(len(loc)):
        path = tuple(loc[start:])
        if path and all(isinstance(p, str) for p in path):
            unit = field_unit(path)
            if unit:
                return unit
    return ""


def _field_label(loc: tuple[Any, ...]) -> str:
    """« Commune du cabinet » for ``("body", "payload", "profile", "commune")``."""
    for start in range(len(loc)):
        path = tuple(loc[start:])
        if path and all(isinstance(p, str) for p in path):
            try:
                title = field_title(path)
            except Exception:
                title = ""
            if title and title != path[-1]:
                return title
    return ""


def error_item(loc: Iterable[Any], msg: str, kind: str = "") -> dict[str, Any]:
    return {
        "loc": [p if isinstance(p, int) else str(p) for p in loc],
        "msg": _shorten(msg),
        "type": kind,
    }


def validation_response(api: NinjaAPI, request: HttpRequest, items: list[dict]) -> HttpResponse:
    return api.create_response(request, {"detail": items}, status=422)


def _ninja_validation_error(
    request: HttpRequest, exc: ValidationError, api: NinjaAPI
) -> HttpResponse:
    items = []
    for error in exc.errors:
        loc = tuple(error.get("loc", ()))
        if loc[:2] == ("body", BODY_PARAM):  # the view's parameter name says nothing to a client
            loc = ("body", *loc[2:])
        message = french_message(error)
        label = _field_label(loc)
        if label and error.get("type") not in ("value_error",):
            message = f"{label} : {message}"
        items.append(error_item(loc, message, str(error.get("type", ""))))
    return validation_response(api, request, items)


def input_error_items(exc: InputError, prefix: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The 422 items of an engine :class:`InputError` (``problems`` are French already)."""
    items = []
    for label, message in exc.problems:
        path = label.split(" (", 1)[0]
        loc = (*prefix, *(part for part in path.split(".") if part))
        text = f"{label} : {message}" if label else message
        items.append(error_item(loc, text, "input_error"))
    return items


def _input_error(request: HttpRequest, exc: InputError, api: NinjaAPI) -> HttpResponse:
    return validation_response(api, request, input_error_items(exc))


def _api_validation_error(
    request: HttpRequest, exc: ApiValidationError, api: NinjaAPI
) -> HttpResponse:
    return validation_response(api, request, exc.items)


def _unknown_commune(request: HttpRequest, exc: CommuneError, api: NinjaAPI) -> HttpResponse:
    return validation_response(api, request, [error_item(["commune"], str(exc), "value_error")])


def _not_found(request: HttpRequest, exc: Http404, api: NinjaAPI) -> HttpResponse:
    message = str(exc) if exc.args and str(exc) else "Introuvable."
    return api.create_response(request, {"detail": message}, status=404)


def _too_big(request: HttpRequest, exc: RequestDataTooBig, api: NinjaAPI) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Le corps de la requête est trop volumineux."}, status=413
    )


def _http_error(request: HttpRequest, exc: HttpError, api: NinjaAPI) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, BodyError):
        return validation_response(api, request, [error_item(["body"], str(cause), "json")])
    if exc.status_code == 400 and cause is not None:
        message = "Le corps de la requête n'est pas du JSON valide."
        return validation_response(api, request, [error_item(["body"], message, "json")])
    if isinstance(exc, AuthenticationError) or exc.status_code == 401:
        message = (
            "Authentification requise : connectez-vous, ou envoyez un jeton personnel "
            "dans l'en-tête « Authorization: Bearer <jeton> »."
        )
    elif exc.status_code == 403 and "CSRF" in str(exc):
        message = (
            "Vérification CSRF refusée : avec une session, envoyez l'en-tête X-CSRFToken ; "
            "ou utilisez un jeton personnel."
        )
    else:
        message = str(exc)
    return api.create_response(request, {"detail": message}, status=exc.status_code)


def register(api: NinjaAPI) -> None:
    """Install the French, JSON-only exception handlers on ``api``."""
    handlers: list[tuple[type[Exception], Any]] = [
        (ValidationError, _ninja_validation_error),
        (ApiValidationError, _api_validation_error),
        (InputError, _input_error),
        (CommuneError, _unknown_commune),
        (Http404, _not_found),
        (HttpError, _http_error),
        (RequestDataTooBig, _too_big),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, functools.partial(handler, api=api))


def finite(value: Any) -> Any:
    """``value`` with every non-finite float replaced by ``None`` (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value
