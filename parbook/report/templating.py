"""The Jinja2 templates of the report's HTML (parbook/report/templates/), autoescaped.

Every text that reaches HTML — prose built from data, table cells, headers — is escaped by the
template engine; only markup that a template itself rendered is marked safe when nested.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup


@cache
def environment() -> jinja2.Environment:
    """The template environment (templates travel as package data)."""
    return jinja2.Environment(loader=jinja2.PackageLoader("parbook.report", "templates"),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined)


def render(name: str, **values: Any) -> Markup:
    """A template rendered to (safe) HTML."""
    return Markup(environment().get_template(name).render(**values))
