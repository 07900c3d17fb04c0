"""Two Great Expectations inefficiencies taken out, results unchanged (GX 1.24).

An expectation's kwargs (domain, success, runtime) are read through ``Expectation.configuration``,
a property that serialises the pydantic model and builds a new ExpectationConfiguration (~80 µs)
on every access — GX reads it once per key: 7,897 builds in one run of the catalogue's 52
expectations (~0.6 s whatever the number of rows). The three methods below are GX's own, except
that each reads the configuration once per call (and _get_runtime_kwargs not three times over
through the other two): 1,581 builds per run.

GX also fingerprints every pandas batch below 1 GB (``hash_pandas_object`` of every column, ~1 s
and a uint64 per cell at a million dossiers) into the batch markers, which parbook drops
(parbook.quality.checks.scrub_result): the threshold is set to 0, so no batch is fingerprinted.

Installed by parbook.quality.checks when it builds its GX context; only for the GX version it
was written against (another version keeps GX's methods).
"""

from __future__ import annotations

import logging
from typing import Any

GX_VERSION = "1.24.1"
_installed: list[bool] = []


def install() -> bool:
    """Replace the three methods and turn the fingerprint off (once per process); False when GX
    is not the version above."""
    import great_expectations
    from great_expectations.exceptions import InvalidExpectationKwargsError
    from great_expectations.expectations.expectation import Expectation, parse_result_format

    if _installed:
        return _installed[0]
    if great_expectations.__version__ != GX_VERSION:
        _installed.append(False)
        return False
    gx_log = logging.getLogger("great_expectations.expectations.expectation")

    def _domain(self: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Expectation._get_domain_kwargs on kwargs already read."""
        domain_kwargs = {key: kwargs.get(key, self._get_default_value(key))
                         for key in self.domain_keys}
        missing_kwargs = set(self.domain_keys) - set(domain_kwargs.keys())
        if missing_kwargs:
            raise InvalidExpectationKwargsError(f"Missing domain kwargs: {list(missing_kwargs)}")
        return domain_kwargs

    def _success(self: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Expectation._get_success_kwargs on kwargs already read."""
        domain_kwargs = _domain(self, kwargs)
        success_kwargs = {key: kwargs.get(key, self._get_default_value(key))
                          for key in self.success_keys}
        success_kwargs.update(domain_kwargs)
        return success_kwargs

    def _get_domain_kwargs(self: Any) -> dict[str, Any]:
        return _domain(self, self.configuration.kwargs)

    def _get_success_kwargs(self: Any) -> dict[str, Any]:
        return _success(self, self.configuration.kwargs)

    def _success_kwarg(self: Any, kwargs: dict[str, Any], key: str) -> Any:
        """Expectation._get_success_kwarg on kwargs already read."""
        if key in kwargs:
            return kwargs[key]
        field = self.__fields__.get(key)
        if field is not None:
            return field.default if not field.required else None
        gx_log.warning(f'_get_success_kwarg called with key "{key}", '
                       f"but it is not a known field of {type(self).__name__}")
        return None

    def _get_runtime_kwargs(self: Any, runtime_configuration: dict | None = None) -> dict:
        runtime_configuration = runtime_configuration or {}
        kwargs = self.configuration.kwargs
        success_kwargs = _success(self, kwargs)
        runtime_kwargs = {key: runtime_configuration.get(key, _success_kwarg(self, kwargs, key))
                          for key in self.runtime_keys}
        runtime_kwargs.update(success_kwargs)
        runtime_kwargs["result_format"] = parse_result_format(runtime_kwargs["result_format"])
        return runtime_kwargs

    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0      # no batch fingerprint (see above)
    Expectation._get_domain_kwargs = _get_domain_kwargs
    Expectation._get_success_kwargs = _get_success_kwargs
    Expectation._get_runtime_kwargs = _get_runtime_kwargs
    _installed.append(True)
    return True
