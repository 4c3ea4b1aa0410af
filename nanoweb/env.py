"""Read settings from the environment, failing loudly on bad values.

Every helper names the variable in its error so a person who mistyped one sees which at start-up.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str) -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def envint(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}; got {value}")
    return value


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def envchoices(name: str, default: list[str], allowed: set[str]) -> list[str]:
    values = envlist(name, default)
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise ImproperlyConfigured(
            f"{name} names unknown values {', '.join(unknown)}; choose from {', '.join(sorted(allowed))}"
        )
    return values


def envurl(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip()
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name} must be a URL starting with {' or '.join(s + '://' for s in schemes)}; got {value!r}"
        )
    return value


_RATE_PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
                 "d": 86400, "day": 86400}


def envrate(name: str, default: str) -> str:
    """A request rate such as "120/min" (periods: s, min, hour, day), in the form DRF's throttles read."""
    value = os.environ.get(name, default).strip()
    count, _, period = value.partition("/")
    if not count.strip().isdigit() or int(count) < 1 or period.strip().lower() not in _RATE_PERIODS:
        raise ImproperlyConfigured(
            f"{name} must look like 120/min (a count, then /s, /min, /hour or /day); got {value!r}"
        )
    return f"{int(count)}/{period.strip().lower()}"
