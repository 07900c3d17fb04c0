"""Great Expectations adapter: the catalogue of ``checks/`` run as GX suites, results as findings.

Each entity (dossier, feedback, survey, legal_document, plan_task, form) gets one frame — its
record key plus the columns its checks read — and one GX validation of one suite per run. GX
evaluates the expectations either on pandas (default) or in SQL (``backend="sql"``: the frames
are written to throw-away tables of the given database, SQLite or PostgreSQL, validated through
a GX SQL datasource, then dropped). Every failing record comes back by key: results are asked in
``COMPLETE`` format with ``unexpected_index_column_names`` and a ``partial_unexpected_count`` as
large as the frame (SQL backends otherwise stop at 20), and a run fails loudly if GX raised an
exception or returned fewer keys than it counted.

Great Expectations is imported lazily (it costs seconds): importing this module is cheap.

Public functions: run_checks, write_gx_artifacts, check_catalogue, findings_summary,
failing_records, check_parameters.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import string
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from parbook.contract import FINDINGS_COLUMNS, TOTAL
from parbook.errors import ParbookError
from parbook.heap import freeze_imported
from parbook.law.regimes import all_regimes, get_regime, regime_on, regime_span
from parbook.quality import gxfast, gxsql
from parbook.quality.catalogue import (
    Check,
    EntitySpec,
    all_checks,
    check_catalogue,
    get_check,
    load_catalogue,
    template_fields,
)
from parbook.quality.scratch import scratch
from parbook.store.config import TIMEZONE
from parbook.store.dates import EARLIEST_PLAUSIBLE_YEAR
from parbook.store.privacy import mask_name, mask_phone
from parbook.store.settings import ConfigError
from parbook.store.words import VALUE_LABELS
from parbook.timeline.scope import Facts

__all__ = ["run_checks", "write_gx_artifacts", "check_catalogue", "findings_summary",
           "failing_records", "check_parameters", "CheckRunError"]

log = logging.getLogger(__name__)

BACKENDS = ("pandas", "sql")
RECORD_KEY = "record_key"
RECORD_ROW = "record_row"   # the row number of a record in its scratch table (SQL backend)
SUITE_PREFIX = "parbook."
# GX's own expectation severity (critical / warning / info) for each catalogue severity
GX_SEVERITY = {"error": "critical", "violation": "critical", "warning": "warning"}
EMPTY_VALUE_VI = "(trống)"
VALUE_LABELS_VI = VALUE_LABELS
# Result entries that may hold data values (a phone number for HS06): never saved.
VALUE_RESULT_KEYS = ("partial_unexpected_list", "partial_unexpected_counts",
                     "partial_unexpected_index_list", "unexpected_list", "unexpected_index_list",
                     "unexpected_index_query", "observed_value", "details")


class CheckRunError(ParbookError):
    """GX could not evaluate an expectation, or returned an incomplete list of failing records."""


# ---------------------------------------------------------------------------------------------
# entity frames and parameters


def entity_sources(facts: Facts, bieu06: pd.DataFrame,
                   columns: dict[str, list[str]] | None = None) -> dict[str, pd.DataFrame]:
    """The full frame of each entity, indexed by its record key (before column selection).

    ``bieu06``: the window's form (contract columns, TOTAL last) for BM01. ``columns`` (entity
    → columns): the dossier frame is built of those columns and the regime only (run_checks
    needs no other; the facts of a province are not copied whole).
    """
    period = facts.period
    in_scope, outside = period.dossiers, period.outside
    if columns is not None:
        keep = [c for c in in_scope.columns if c in {*columns["dossier"], "regime"}]
        in_scope, outside = in_scope[keep], outside[keep]
    # concat copies every column: only when some returned dossiers are outside the scope (a
    # shallow copy otherwise: the facts are not changed by the phone column added below)
    dossiers = pd.concat([in_scope, outside]) if len(outside) else in_scope.copy(deep=False)
    raw = facts.data.dossiers
    phones = pd.Series(raw["applicant_phone"].to_numpy(), index=pd.Index(raw["dossier_code"]))
    dossiers["applicant_phone"] = phones.reindex(dossiers.index).to_numpy()  # (4× Index.map)
    form = bieu06[bieu06["field"] != TOTAL].set_index("field", drop=False)
    form["accounted_total"] = form["settled_total"] + form["pending_total"]
    form["regime"] = regime_on(facts.window.end).id     # a Biểu 06 row: the window end's
    return {
        "dossier": dossiers,
        "feedback": period.feedback,
        "survey": period.surveys,
        "legal_document": period.legal_documents,
        "plan_task": period.plan_tasks,
        "form": form,
    }


def entity_frame(spec: EntitySpec, source: pd.DataFrame) -> pd.DataFrame:
    """The frame GX validates: ``record_key`` and the columns the entity's checks read, the
    source's own columns where they need no change (pandas shares them: nothing copied).

    Nullable booleans without gaps become plain bool, with gaps object (True/False/None), so
    that row conditions behave the same in pandas queries and SQL.
    """
    missing = [c for c in spec.columns() if c not in source.columns]
    if missing:
        raise CheckRunError(f"Thiếu cột cho kiểm tra {spec.entity} (missing columns): {missing}")
    # column by column: selecting a list copies the columns that share a 2-D block with others
    frame = pd.DataFrame({c: source[c] for c in spec.columns()}, copy=False).reset_index(drop=True)
    frame.insert(0, RECORD_KEY, source.index.astype(str))
    for col in frame.columns:
        series = frame[col]
        if isinstance(series.dtype, pd.BooleanDtype):
            has_na = bool(series.isna().any())
            frame[col] = series.astype(object).where(series.notna(), None) if has_na \
                else series.astype(bool)
    return frame


def _fits_nanoseconds(series: pd.Series) -> bool:
    """A naive datetime column of another unit whose values fit datetime64[ns]: GX compares
    nanosecond datetimes vectorised, any other unit one value at a time in Python."""
    if not pd.api.types.is_datetime64_dtype(series.dtype) or series.dtype == "datetime64[ns]":
        return False
    low, high = series.min(), series.max()
    return pd.isna(low) or (pd.Timestamp.min <= low and high <= pd.Timestamp.max)


# the catalogue's limits that a regime's rule parameters restate (check id, column, parameter)
REGIME_LIMITS = (("HS10", "apology_count", "extensions_allowed"),
                 ("HS11", "supplement_request_count", "supplement_requests_allowed"))


def check_regime_limits(specs: dict[str, EntitySpec]) -> None:
    """Refuse a regime whose allowed counts differ from the catalogue's (HS10, HS11 ``max_value``):
    the catalogue applies one limit to every dossier, so regimes.yaml may not promise another."""
    checks = {c.id: c for spec in specs.values() for c in spec.checks}
    problems = []
    for check_id, column, parameter in REGIME_LIMITS:
        limits = {e.kwargs.get("max_value") for e in checks[check_id].rules
                  if e.kwargs.get("column") == column}
        for regime in all_regimes():
            allowed = getattr(regime.rules, parameter)
            if limits != {allowed}:
                problems.append(f"{regime.id}.rules.{parameter} = {allowed} nhưng kiểm tra "
                                f"{check_id} của danh mục cho phép {sorted(limits)} (the catalogue "
                                f"limit differs from the regime's)")
    if problems:
        raise ConfigError("regimes.yaml và danh mục kiểm tra không khớp (regimes and catalogue "
                          "disagree):\n- " + "\n- ".join(problems))


def check_parameters(facts: Facts, now: datetime | None = None) -> dict[str, Any]:
    """Run-time values of the catalogue's ``$PARAMETER`` references.

    ``now`` defaults to the current local time of Việt Nam (naive, like the stored timestamps);
    ``earliest`` is the first day of the first plausible year (parbook.store.dates).
    """
    if now is None:
        now = datetime.now(ZoneInfo(TIMEZONE)).replace(tzinfo=None)
    codes = facts.data.procedures["procedure_code"].dropna().astype(str)
    return {
        "now": pd.Timestamp(now).to_pydatetime(),
        "earliest": datetime(EARLIEST_PLAUSIBLE_YEAR, 1, 1),
        "as_of": datetime.combine(facts.window.as_of, time.min),
        "procedure_codes": sorted(set(codes)),
    }


# ---------------------------------------------------------------------------------------------
# Great Expectations: context, suites, validation

_GX_LOCK = threading.Lock()
_GX_STATE: dict[str, Any] = {}


def _gx_context() -> Any:
    """The process's ephemeral GX context (built once; progress bars and analytics off)."""
    with _GX_LOCK:
        if "context" not in _GX_STATE:
            import great_expectations as gx
            from great_expectations.data_context.types.base import (
                DataContextConfig,
                InMemoryStoreBackendDefaults,
                ProgressBarsConfig,
            )

            config = DataContextConfig(
                store_backend_defaults=InMemoryStoreBackendDefaults(),
                analytics_enabled=False,
                progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
            )
            _GX_STATE["context"] = gx.get_context(mode="ephemeral", project_config=config)
            gxfast.install()
            gxsql.install()
            _GX_STATE["suites"] = {}
            freeze_imported("great_expectations")
        return _GX_STATE["context"]


def suite_definition(spec: EntitySpec) -> dict[str, Any]:
    """The GX suite of an entity as a plain dict (GX 1.x JSON layout, without ids)."""
    expectations = []
    for check in spec.checks:
        for i, rule in enumerate(check.rules):
            kwargs = dict(rule.kwargs)
            condition = rule.row_condition()
            if condition is not None:
                kwargs["row_condition"] = condition
            expectations.append({
                "type": rule.type,
                "kwargs": kwargs,
                "severity": GX_SEVERITY[check.severity],
                "meta": {"check_id": check.id, "rule": i, "severity": check.severity,
                         "kind": check.kind, "reason_vi": rule.reason_vi},
            })
    return {"name": SUITE_PREFIX + spec.entity, "expectations": expectations,
            "meta": {"record_key": spec.record_key, "description_vi": spec.description_vi}}


def _gx_suite(spec: EntitySpec) -> Any:
    """The entity's ExpectationSuite, compiled once per process."""
    context = _gx_context()
    with _GX_LOCK:
        suites = _GX_STATE["suites"]
        if spec.entity not in suites:
            import great_expectations as gx
            from great_expectations.expectations.registry import get_expectation_impl

            definition = suite_definition(spec)
            # ExpectationSuite.add_expectation keeps a set: it compares each new expectation's
            # serialised form with every one already added (quadratic). The same set is kept
            # here serialising each once (GX's _expectations_are_equalish on the dicts).
            exclude = {"id", "rendered_content", "notes", "meta"}
            kept: list[tuple[str, dict[str, Any], Any]] = []
            for exp in definition["expectations"]:
                impl = get_expectation_impl(exp["type"])
                expectation = impl(**exp["kwargs"], meta=exp["meta"], severity=exp["severity"])
                form = expectation.dict(exclude=exclude)
                if not any(kind == expectation.expectation_type and seen == form
                           for kind, seen, _ in kept):
                    kept.append((expectation.expectation_type, form, expectation))
            suite = gx.ExpectationSuite(name=definition["name"], meta=definition["meta"],
                                        expectations=[e for _, _, e in kept])
            suites[spec.entity] = context.suites.add_or_update(suite)
        return suites[spec.entity]


def _result_format(frame: pd.DataFrame, sql: bool = False) -> dict[str, Any]:
    """Every failing record's key and no data values (GX's own privacy option).

    pandas: ``SUMMARY`` with one partial value — GX then lists every failing key in one entry
    ``[{record_key: [k, …]}]`` of ``partial_unexpected_index_list`` without building the value
    lists of ``COMPLETE`` or its ``df.filter(items=[…])`` query string (both as long as the
    failures). SQL: ``COMPLETE`` with a ``partial_unexpected_count`` as large as the frame (SQL
    backends otherwise stop at 20), the failing records named by their row number (RECORD_ROW:
    an integer each, not a string). _failures checks that the rows add up to GX's count.
    """
    if sql:
        return {"result_format": "COMPLETE", "unexpected_index_column_names": [RECORD_ROW],
                "partial_unexpected_count": max(len(frame), 1), "exclude_unexpected_values": True,
                "return_unexpected_index_query": False}
    return {"result_format": "SUMMARY", "unexpected_index_column_names": [RECORD_KEY],
            "partial_unexpected_count": 1, "exclude_unexpected_values": True,
            "return_unexpected_index_query": False}


class _ConditionedFrame(pd.DataFrame):
    """The frame GX validates on pandas: each row condition is evaluated once per validation,
    and the rows it selects are taken only from the columns its expectations read.

    GX filters the whole frame by an expectation's row condition for every metric it computes
    (five or six per expectation) with ``DataFrame.query``, then reads one or two columns of the
    result. The frame does not change during a validation, so the rows a condition selects are
    kept, taken once (``_taken``) and handed to GX as a shallow copy each time; ``_columns``
    (GX's query text of a condition → the columns of the expectations under it, see
    :func:`_condition_columns`) narrows the copy to those columns (a condition not listed:
    every column). What is kept lives as long as the validation's batch.
    """

    _metadata = ["_rows", "_columns", "_taken"]

    def query(self, expr: str, *, inplace: bool = False, **kwargs: Any) -> Any:
        if inplace:
            return super().query(expr, inplace=True, **kwargs)
        rows = self.__dict__.setdefault("_rows", {})
        key = (expr, tuple(sorted(kwargs.items())))
        if key not in rows:
            rows[key] = np.asarray(self.eval(expr, **kwargs), dtype=bool)
        taken = self.__dict__.setdefault("_taken", {})
        if key not in taken:
            columns = self.__dict__.get("_columns", {}).get(expr) if not kwargs else None
            plain = pd.DataFrame(self)
            taken[key] = (plain if columns is None else plain[columns]).take(
                np.flatnonzero(rows[key]))
        return taken[key].copy(deep=False)      # GX gets its own frame (copy on write)


def _condition_columns(spec: EntitySpec, frame_columns: pd.Index) -> dict[str, list[str]]:
    """GX's pandas query text of each row condition of the entity's suite → the frame columns
    that the expectations under that condition read (kwargs ``column``, ``column_A``/``_B``,
    ``column_list``), in frame order."""
    from great_expectations.execution_engine import PandasExecutionEngine
    from great_expectations.expectations.row_conditions import deserialize_row_condition

    engine = PandasExecutionEngine()
    read: dict[str, set[str]] = {}
    for check in spec.checks:
        for rule in check.rules:
            condition = rule.row_condition()
            if condition is None:
                continue
            expr = engine.condition_to_filter_clause(deserialize_row_condition(condition))
            cols = {rule.kwargs[k] for k in ("column", "column_A", "column_B") if k in rule.kwargs}
            read.setdefault(expr, set()).update(cols, rule.kwargs.get("column_list", []))
    return {expr: [c for c in frame_columns if c in cols] for expr, cols in read.items()}


# expectation types and condition operators that treat a categorical column as its values
_CATEGORY_SAFE_TYPES = ("expect_column_values_to_not_be_null", "expect_column_values_to_be_null",
                        "expect_column_values_to_be_in_set")
_CATEGORY_SAFE_OPERATORS = ("==", "!=", "IN", "NOT_IN")


def _categorical_columns(spec: EntitySpec) -> set[str]:
    """Columns that GX only tests for nullity or membership and conditions only compare for
    (in)equality or membership: as pandas categoricals they give the same results, and GX's
    copies, null tests and fingerprint of them cost a byte per row instead of a string each."""
    safe: set[str] = set()
    unsafe: set[str] = set()

    def walk(condition: Any) -> None:
        kind = condition.get("type")
        if kind in ("and", "or"):
            for part in condition["conditions"]:
                walk(part)
        elif kind == "comparison" and condition["operator"] not in _CATEGORY_SAFE_OPERATORS:
            unsafe.add(condition["column"]["name"])

    for check in spec.checks:
        for rule in check.rules:
            cols = {rule.kwargs[k] for k in ("column", "column_A", "column_B") if k in rule.kwargs}
            cols.update(rule.kwargs.get("column_list", []))
            (safe if rule.type in _CATEGORY_SAFE_TYPES else unsafe).update(cols)
            if (condition := rule.row_condition()) is not None:
                walk(condition)
    return safe - unsafe


def _validate_pandas(frames: dict[str, pd.DataFrame], specs: dict[str, EntitySpec],
                     params: dict[str, Any]) -> dict[str, Any]:
    context = _gx_context()
    with _GX_LOCK:
        if "pandas" not in _GX_STATE:
            _GX_STATE["pandas"] = context.data_sources.add_pandas("parbook_pandas")
        source = _GX_STATE["pandas"]
        definitions = {}
        for entity in frames:
            names = {a.name for a in source.assets}
            asset = source.get_asset(entity) if entity in names else source.add_dataframe_asset(entity)
            batch_defs = {b.name: b for b in asset.batch_definitions}
            definitions[entity] = batch_defs.get("whole") or \
                asset.add_batch_definition_whole_dataframe("whole")
    from great_expectations.validator.v1_validator import Validator

    results = {}
    for entity, frame in frames.items():
        # the row number as the index named record_key (mapped back by _failing_keys): pandas
        # queries the row conditions ~6× faster than with the string keys as the index
        numbered = _ConditionedFrame(frame.drop(columns=RECORD_KEY).set_axis(
            pd.RangeIndex(len(frame), name=RECORD_KEY)))
        for col in numbered.columns:
            if _fits_nanoseconds(numbered[col]):
                numbered[col] = numbered[col].astype("datetime64[ns]")
        for col in _categorical_columns(specs[entity]):
            if pd.api.types.is_string_dtype(numbered[col]):
                numbered[col] = numbered[col].astype("category")
        numbered._columns = _condition_columns(specs[entity], numbered.columns)
        # GX's Validator on the batch definition itself: Batch.validate would build the batch a
        # second time (GX fingerprints the whole frame each time)
        validator = Validator(batch_definition=definitions[entity],
                              batch_parameters={"dataframe": numbered},
                              result_format=_result_format(frame))
        del numbered
        results[entity] = validator.validate_expectation_suite(
            _gx_suite(specs[entity]), expectation_parameters=params)
        del validator                   # the batch (the frame GX validated) freed now
    return results


def _validate_sql(frames: dict[str, pd.DataFrame], specs: dict[str, EntitySpec],
                  params: dict[str, Any], url: str | None) -> dict[str, Any]:
    """Validate in SQL: the frames in scratch tables next to ``url`` (parbook.quality.scratch),
    one GX SQL datasource for the run, removed with the scratch space."""
    context = _gx_context()
    results = {}
    tables = {entity: frame.assign(**{RECORD_ROW: _row_numbers(len(frame))})
              for entity, frame in frames.items()}
    with scratch(url, tables) as space:
        add = (context.data_sources.add_sqlite if space.schema is None
               else context.data_sources.add_postgres)
        with _GX_LOCK:
            name = f"parbook_sql_{uuid.uuid4().hex[:10]}"
            source = add(name, connection_string=space.connection_string)
        try:
            for entity, table in space.tables.items():
                asset = source.add_table_asset(table, table_name=table)
                batch = asset.add_batch_definition_whole_table("whole").get_batch()
                results[entity] = batch.validate(
                    _gx_suite(specs[entity]), result_format=_result_format(frames[entity], sql=True),
                    expectation_parameters=params)
        finally:
            with _GX_LOCK:
                context.data_sources.delete(name)
    return results


def _raised(info: dict[str, Any]) -> str | None:
    """The exception message GX recorded for an expectation, if any."""
    if not info:
        return None
    if "raised_exception" in info:
        return (info.get("exception_message") or "exception") if info["raised_exception"] else None
    for sub in info.values():
        if isinstance(sub, dict) and sub.get("raised_exception"):
            return sub.get("exception_message") or "exception"
    return None


# (check_id, rule) → the rows of the entity frame that failed it (each key's last row)
Failures = dict[tuple[str, int], np.ndarray]


def _row_numbers(size: int) -> np.ndarray:
    """0 … size − 1, in 32 bits when they fit (half the memory of a province's rows)."""
    return np.arange(size, dtype=np.int32 if size < 2**31 else np.int64)


@dataclass(frozen=True)
class _Rows:
    """The record keys of an entity frame by row: ``last`` is the last row of each row's key
    (the frames keep one record per key, the last; None when every key is unique: each row is
    its own), ``rank`` the place of each row's key in the keys sorted as Python sorts strings
    (equal keys: adjacent places)."""

    keys: np.ndarray
    last: np.ndarray | None
    rank: np.ndarray
    tidy: np.ndarray            # the key needs no collapsing of spaces (_tidy)

    @classmethod
    def of(cls, keys: np.ndarray) -> _Rows:
        index = pd.Index(keys)
        positions = _row_numbers(len(keys))
        last = None
        if not index.is_unique:
            by_key = pd.Series(positions, index=index)[~index.duplicated(keep="last")]
            last = by_key.reindex(index).to_numpy()
        joined = "\x01".join(keys)              # one pass over every key's characters
        if "\x00" in joined:                    # numpy's text drops a trailing NUL
            order = np.argsort(keys, kind="stable")
        elif joined.isascii():                  # bytes sort as code points (a quarter the size)
            order = np.argsort(keys.astype("S"), kind="stable")
        else:                                   # code point order, like Python's
            order = np.argsort(np.asarray(keys, dtype=str), kind="stable")
        rank = np.empty(len(keys), dtype=positions.dtype)
        rank[order] = positions
        return cls(keys=keys, last=last, rank=rank, tidy=_tidy_keys(keys, joined))

    def sorted_keys(self, rows: np.ndarray) -> list[str]:
        """The keys of rows, sorted (as ``sorted`` sorts them)."""
        return self.keys[rows[np.argsort(self.rank[rows], kind="stable")]].tolist()


def _failures(entity: str, result: Any, rows: _Rows) -> Failures:
    """The failing rows of every failed (check_id, rule) of one validation (GX names them by
    their row number: the pandas frame's index, the SQL table's RECORD_ROW)."""
    out: Failures = {}
    for r in result.results:
        meta = r.expectation_config.meta or {}
        check_id, rule = meta.get("check_id"), meta.get("rule")
        error = _raised(r.exception_info)
        if error:
            raise CheckRunError(f"GX không đánh giá được {check_id} ({entity}) "
                                f"(GX could not evaluate the expectation): {error}")
        if r.success:
            continue
        found = _failing_rows(r)
        if len(found) != r.result.get("unexpected_count", 0):
            raise CheckRunError(f"GX trả về thiếu bản ghi lỗi cho {check_id} "
                                f"(incomplete failing records): {len(found)} / "
                                f"{r.result.get('unexpected_count')}")
        out[(check_id, int(rule))] = found if rows.last is None else rows.last[found]
    return out


def _failing_rows(expectation_result: Any) -> np.ndarray:
    """GX's row numbers of an expectation's failing records (see _failing_keys)."""
    pieces = [np.asarray(piece, dtype=np.int64) for piece in _failing_values(expectation_result)]
    return pieces[0] if len(pieces) == 1 else np.concatenate([np.empty(0, np.int64), *pieces])


def _failing_values(expectation_result: Any) -> list[Any]:
    """The failing records' index values, in pieces (lists or arrays) to be read in order."""
    result = expectation_result.result or {}
    rows = result.get("unexpected_index_list")
    if rows is None:
        rows = result.get("partial_unexpected_index_list") or []
    pieces: list[Any] = []
    for row in rows:
        if isinstance(row, dict):
            value = row[RECORD_ROW] if RECORD_ROW in row else row[RECORD_KEY]
        else:
            value = row
        pieces.append(value if isinstance(value, list | np.ndarray) else [value])
    return pieces


def _failing_keys(expectation_result: Any, record_keys: np.ndarray | None = None) -> np.ndarray:
    """Keys of an expectation's failing records (strings): GX lists them as
    [{record_key: [k, …]}] when values are excluded, as [{record_key: k, column: value}, …]
    otherwise; in the full list (COMPLETE) or the partial one (SUMMARY, see _result_format).
    With ``record_keys`` GX's keys are row numbers into it."""
    keys = [v for piece in _failing_values(expectation_result) for v in piece]
    if record_keys is not None:
        return record_keys[np.asarray(keys, dtype=np.int64)]
    out = np.asarray(keys, dtype=object)
    return out if pd.api.types.infer_dtype(out) in ("string", "empty") else out.astype(str).astype(object)


# ---------------------------------------------------------------------------------------------
# findings


def format_value(column: str, value: Any) -> str:
    """A value as it appears in a Vietnamese message: dd/mm/yyyy [HH:MM:SS], labels, '(trống)'."""
    if value is None or (not isinstance(value, str | list | tuple) and pd.isna(value)):
        return EMPTY_VALUE_VI
    if isinstance(value, pd.Timestamp | datetime):
        ts = pd.Timestamp(value)
        return f"{ts:%d/%m/%Y}" if ts == ts.normalize() else f"{ts:%d/%m/%Y %H:%M:%S}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    labels = VALUE_LABELS_VI.get(column)
    if labels and str(value) in labels:
        return labels[str(value)]
    return str(value)


# Character positions in numpy's ISO text 'YYYY-MM-DDTHH:MM:SS' of dd/mm/yyyy and of HH:MM:SS.
_ISO_DATE = [8, 9, -1, 5, 6, -1, 0, 1, 2, 3]
_ISO_TIME = [10, 11, 12, 13, 14, 15, 16, 17, 18]


def _format_datetimes(values: np.ndarray) -> np.ndarray | None:
    """format_value of datetime64 values, vectorised (None when a year is not of four digits:
    Python's strftime does not pad it as numpy does)."""
    seconds = values.astype("datetime64[s]")
    present = ~np.isnat(seconds)
    years = seconds[present].astype("datetime64[Y]").astype(np.int64) + 1970
    if len(years) and (years.min() < 1000 or years.max() > 9999):
        return None
    iso = np.datetime_as_string(np.where(present, seconds, np.datetime64(0, "s")), unit="s")
    chars = iso.astype("U19").view(np.uint32).reshape(-1, 19).copy()
    chars[:, 10] = ord(" ")
    day = chars[:, _ISO_DATE]
    day[:, [2, 5]] = ord("/")
    with_time = np.concatenate([day, chars[:, _ISO_TIME]], axis=1)
    midnight = values == values.astype("datetime64[D]")
    text = np.where(midnight, np.ascontiguousarray(day).view("U10").ravel(),
                    np.ascontiguousarray(with_time).view("U19").ravel()).astype(object)
    text[~present] = EMPTY_VALUE_VI
    return text


def format_values(column: str, values: pd.Series) -> np.ndarray:
    """format_value of every value of a column (object array of str), vectorised: datetimes by
    numpy, other values once per distinct value."""
    if pd.api.types.is_datetime64_dtype(values.dtype):
        codes, uniques = pd.factorize(values.to_numpy(), use_na_sentinel=True)
        text = _format_datetimes(np.asarray(uniques))
        if text is not None:
            return np.append(text, EMPTY_VALUE_VI)[codes]
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = [format_value(column, v) for v in uniques.tolist()] + [EMPTY_VALUE_VI]
    return np.asarray(texts, dtype=object)[codes]


def _fill(template: str, fields: dict[str, np.ndarray], size: int) -> np.ndarray:
    """str.format_map of a template for every record at once (fields: column → formatted text;
    a field not given is '(trống)'): one join per record of the template's pieces."""
    pieces: list[Any] = []
    filled = False
    for literal, name, spec, conversion in string.Formatter().parse(template):
        if literal:
            pieces.append(itertools.repeat(literal))
        if name is None:
            continue
        values = fields.get(name)
        if values is None:
            pieces.append(itertools.repeat(EMPTY_VALUE_VI if not (spec or conversion) else
                                           _formatted(EMPTY_VALUE_VI, spec, conversion)))
            continue
        if spec or conversion:
            values = np.asarray([_formatted(v, spec, conversion) for v in values], dtype=object)
        pieces.append(values)
        filled = True
    if not filled:              # no field given: the same text for every record
        text = "".join(next(iter(p)) for p in pieces)
        return _repeated(text, size)
    # the literals repeat without end: the fields give the length
    return np.fromiter(map("".join, zip(*pieces, strict=False)), dtype=object, count=size)


def _repeated(value: Any, size: int) -> np.ndarray:
    """An object array of ``size`` references to one value (a third of np.full's time)."""
    out = np.empty(size, dtype=object)
    out.fill(value)
    return out


def _formatted(value: Any, spec: str, conversion: str | None) -> str:
    pattern = "{0" + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
    return pattern.format(value)


def _tidy(text: str) -> bool:
    """Unchanged when its whitespace is collapsed (non-empty)."""
    return bool(text) and text == " ".join(text.split())


def _tidy_keys(keys: np.ndarray, joined: str) -> np.ndarray:
    """_tidy of every key: keys without any whitespace (the usual case, found in one pass over
    ``joined``, the keys joined by a character that is not whitespace) are tidy when not empty;
    otherwise key by key."""
    if len(joined.split()) <= 1:
        return np.asarray(keys != "", dtype=bool)       # the keys are str (entity_frame)
    return np.fromiter((_tidy(k) for k in keys), dtype=bool, count=len(keys))


def _tidy_values(values: np.ndarray) -> np.ndarray:
    """_tidy of every value (once per distinct value)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    tidy = [isinstance(u, str) and _tidy(u) for u in uniques.tolist()] + [False]
    return np.asarray(tidy, dtype=bool)[codes]


def _tidy_template(template: str) -> bool:
    """The template with each placeholder as a one-letter word is tidy: then a text filled with
    tidy values is tidy too (their whitespace is single spaces between words, the template's the
    template's)."""
    parts = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        parts.append(literal)
        if name is not None:
            if spec or conversion:
                return False
            parts.append("x")
    return _tidy("".join(parts))


def _check_messages(check: Check, fired: dict[int, np.ndarray], keys: np.ndarray,
                    fields: dict[str, np.ndarray],
                    tidy_keys: np.ndarray | None = None) -> np.ndarray:
    """The messages of one check's failing records: each fired rule's reason in rule order, an
    identical reason once, joined by '; ' into the check's template, spaces collapsed.

    A rule's reason is formatted for the records it fired on only; spaces are collapsed in the
    messages that may need it only (see _tidy_template: the others are tidy already)."""
    size = len(keys)
    reasons = _repeated("", size)
    started = np.zeros(size, dtype=bool)
    done: list[tuple[np.ndarray, np.ndarray]] = []
    every = {**fields, "record_key": keys}
    tidy_of: dict[str, np.ndarray] = {} if tidy_keys is None else {"record_key": tidy_keys}

    def tidy_fields(template: str, rows: np.ndarray | slice) -> np.ndarray:
        """Rows whose values of the template's fields (and the template) are all tidy."""
        ok = np.full(size, _tidy_template(template), dtype=bool)[rows]
        for name in template_fields(template) - {"reasons"}:
            if name in every:
                if name not in tidy_of:
                    tidy_of[name] = _tidy_values(every[name])
                ok &= tidy_of[name][rows]
        return ok

    tidy_reasons = np.ones(size, dtype=bool)
    for i in sorted(fired):
        rows = np.flatnonzero(fired[i])
        reason = _fill(check.rules[i].reason_vi, {k: v[rows] for k, v in every.items()}, len(rows))
        tidy_reasons[rows] &= tidy_fields(check.rules[i].reason_vi, rows)
        repeated = np.zeros(len(rows), dtype=bool)
        for other_fired, other_reason in done:
            repeated |= other_fired[rows] & (other_reason[rows] == reason)
        add, text = rows[~repeated], reason[~repeated]
        reasons[add] = np.where(started[add], reasons[add] + "; " + text, text)
        started[add] = True
        full = np.empty(size, dtype=object)          # None throughout
        full[rows] = reason
        done.append((fired[i], full))
    messages = _fill(check.message_vi, {**every, "reasons": reasons}, size)
    tidy = tidy_fields(check.message_vi, slice(None))
    if "reasons" in template_fields(check.message_vi):
        tidy &= tidy_reasons
    untidy = np.flatnonzero(~tidy)
    messages[untidy] = [" ".join(m.split()) for m in messages[untidy]]
    return messages


@dataclass(frozen=True, eq=False)
class _CheckPart:
    """The failing records of one check: rows ``start`` to ``stop`` of the findings, in record
    key order, with what their messages are formatted from: ``positions`` in the entity's
    frame, the rules that fired on each, whether each key is tidy."""

    check: Check
    start: int
    stop: int
    positions: np.ndarray
    fired: dict[int, np.ndarray]
    tidy_keys: np.ndarray

    def messages(self, frame: pd.DataFrame, keys: np.ndarray, rows: slice) -> np.ndarray:
        """The messages of this part's records ``rows`` (a slice of the part; ``keys``: theirs)."""
        positions = self.positions[rows]
        fields = {col: format_values(col, frame[col].take(positions))
                  for col in sorted(self.check.message_columns())}
        return _check_messages(self.check, {i: m[rows] for i, m in self.fired.items()},
                               keys, fields, self.tidy_keys[rows])


def _check_parts(failures: dict[str, Failures], frames: dict[str, pd.DataFrame],
                 specs: dict[str, EntitySpec], regimes: dict[str, pd.Categorical],
                 rows: dict[str, _Rows]) -> tuple[list[_CheckPart], pd.DataFrame]:
    """One part per check with failing records, in check order, and the findings' columns but
    the message (``regimes``: each entity's regime id by row, categories shared by every
    entity); the repeated labels (check, severity, entity, regime) as categories."""
    found = []
    for entity, failed in failures.items():
        for check in specs[entity].checks:
            rules = {rule: rows_ for (check_id, rule), rows_ in failed.items()
                     if check_id == check.id}
            if not rules:
                continue
            masks = {}
            for rule, failing in rules.items():
                masks[rule] = np.zeros(len(frames[entity]), dtype=bool)
                masks[rule][failing] = True
            positions = np.flatnonzero(np.logical_or.reduce(list(masks.values())))
            positions = positions[np.argsort(rows[entity].rank[positions], kind="stable")]
            # the rules that fired for each failing record (the masks, a row each, freed now)
            found.append((check, entity, positions,
                          {rule: mask[positions] for rule, mask in masks.items()}))
    found.sort(key=lambda item: item[0].id)
    if not found:
        return [], pd.DataFrame([], columns=[c for c in FINDINGS_COLUMNS if c != "message"])
    parts, start = [], 0
    for check, entity, positions, fired in found:
        parts.append(_CheckPart(check=check, start=start, stop=start + len(positions),
                                positions=positions, fired=fired,
                                tidy_keys=rows[entity].tidy[positions]))
        start += len(positions)
    sizes = [len(positions) for _, _, positions, _ in found]

    def labels(values: list[str]) -> pd.Categorical:
        categories = list(dict.fromkeys(values))
        codes = np.repeat(np.asarray([categories.index(v) for v in values], dtype=np.int8), sizes)
        return pd.Categorical.from_codes(codes, categories)

    # the regimes' codes of the findings, their categories in order of first appearance
    by_row = np.concatenate([regimes[entity].codes[positions] for _, entity, positions, _ in found])
    seen, first_at = np.unique(by_row[by_row >= 0], return_index=True)
    order = seen[np.argsort(first_at)]
    lookup = np.full(len(order) and int(order.max()) + 2, -1, dtype=np.int8)
    lookup[order] = np.arange(len(order))          # lookup[-1]: a record without a regime
    codes = lookup[by_row] if len(order) else by_row
    uniques = next(iter(regimes.values())).categories[order]
    records = pd.DataFrame({
        "check_id": labels([check.id for check, *_ in found]),
        "severity": labels([check.severity for check, *_ in found]),
        "entity": labels([entity for _, entity, *_ in found]),
        "record_key": pd.Series(np.concatenate(
            [rows[entity].keys[positions] for _, entity, positions, _ in found]), dtype=object,
            copy=False),
        "regime": pd.Categorical.from_codes(codes, uniques)}, copy=False)
    return parts, records


def _contract(frame: pd.DataFrame) -> pd.DataFrame:
    """Findings with the contract's dtypes (every column object, as read back from the CSV)."""
    return frame.astype(object)


MESSAGE_CHUNK = 100_000     # findings whose messages are formatted at once (Findings.chunks)


@dataclass(frozen=True)
class Findings:
    """The findings of a window (contract columns of findings.csv, one row per check and record)
    and the Great Expectations artefacts of the run that found them: the run's parameters, the
    suites that ran and the validation results, scrubbed of data values.

    The messages are formatted when first read (``frame``, ``chunks``, ``frame_of``): at a
    province's volume they are most of the findings' memory, and a reader that streams them
    (findings.csv) or reads a few checks' (the plan's duties) never holds them all. ``records``
    is the frame without them, in the same order, its repeated labels as categories.
    """

    records: pd.DataFrame
    run: dict[str, Any]
    suites: dict[str, Any]
    validations: dict[str, Any]
    regimes: tuple[str, ...] = ()
    parts: tuple[_CheckPart, ...] = ()
    frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @cached_property
    def frame(self) -> pd.DataFrame:
        """Every finding with its message: the contract frame of findings.csv."""
        return self._with_messages(self.parts)

    def chunks(self, size: int = MESSAGE_CHUNK) -> Iterator[pd.DataFrame]:
        """The contract frame in pieces of at most ``size`` rows, in order (frame's index)."""
        if "frame" in self.__dict__ or not self.parts:
            for start in range(0, max(len(self.frame), 1), size):
                yield self.frame.iloc[start:start + size]
            return
        for part in self.parts:
            for first in range(part.start, part.stop, size):
                last = min(first + size, part.stop)
                piece = _contract(self.records.iloc[first:last])
                keys = piece["record_key"].to_numpy()
                messages = part.messages(self.frames[part.check.entity], keys,
                                         slice(first - part.start, last - part.start))
                piece.insert(FINDINGS_COLUMNS.index("message"), "message",
                             pd.Series(messages, index=piece.index, dtype=object))
                yield piece

    def frame_of(self, check_ids: Iterable[str]) -> pd.DataFrame:
        """Every finding, with the messages of the given checks only (the others' None): for a
        reader that shows these checks' messages and counts the rest (the plan)."""
        wanted = set(check_ids)
        if "frame" in self.__dict__:
            shown = self.frame["check_id"].isin(wanted).to_numpy()
            return self.frame.assign(message=self.frame["message"].where(shown, None))
        return self._with_messages(tuple(p for p in self.parts if p.check.id in wanted))

    def _with_messages(self, parts: tuple[_CheckPart, ...]) -> pd.DataFrame:
        frame = _contract(self.records)
        messages = _repeated(None, len(frame))
        keys = frame["record_key"].to_numpy()
        for part in parts:
            messages[part.start:part.stop] = part.messages(
                self.frames[part.check.entity], keys[part.start:part.stop], slice(None))
        frame.insert(FINDINGS_COLUMNS.index("message"), "message",
                     pd.Series(messages, index=frame.index, dtype=object))
        return frame

    def summary(self) -> pd.DataFrame:
        """Per check of the catalogue (zero rows included): severity, titles, basis under the
        regimes of the window's records, count."""
        return findings_summary(self.records, self.regimes)


def _shown_columns(spec: EntitySpec, columns: pd.Index) -> list[str]:
    """The columns of an entity frame that its checks' messages show, in frame order."""
    shown = set().union(*(check.message_columns() for check in spec.checks))
    return [c for c in columns if c in shown]


def run_checks(facts: Facts, bieu06: pd.DataFrame, backend: str = "pandas", url: str | None = None,
               now: datetime | None = None) -> Findings:
    """Run the whole catalogue on a window's facts and form; one finding per (check_id, record_key).

    ``backend``: ``pandas`` (default) or ``sql`` (frames written to a scratch database next to
    ``url`` — SQLite or PostgreSQL — and validated there). ``now`` is the moment HS04 compares
    timestamps with (default: the current local time).
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend phải là pandas hoặc sql (backend must be pandas or sql): {backend!r}")
    specs = {spec.entity: spec for spec in load_catalogue()}
    check_regime_limits(specs)
    sources = entity_sources(facts, bieu06, {e: spec.columns() for e, spec in specs.items()})
    frames = {entity: entity_frame(spec, sources[entity]) for entity, spec in specs.items()}
    regime_ids = pd.unique(pd.concat([source["regime"].dropna() for source in sources.values()],
                                     ignore_index=True).astype(object))
    regimes = {entity: pd.Categorical(source["regime"], categories=regime_ids)
               for entity, source in sources.items()}
    del sources
    params = check_parameters(facts, now)
    # before GX's results are held: what _Rows.of takes meanwhile is then not added to them
    rows = {entity: _Rows.of(frame[RECORD_KEY].to_numpy(dtype=object))
            for entity, frame in frames.items()}
    if backend == "pandas":
        results = _validate_pandas(frames, specs, params)
    else:
        results = _validate_sql(frames, specs, params, url)
    # the messages' columns are all that the findings read of the frames now: the rest freed
    frames = {entity: frame[_shown_columns(specs[entity], frame.columns)]
              for entity, frame in frames.items()}
    failures = {entity: _failures(entity, result, rows[entity])
                for entity, result in results.items()}
    window = facts.window
    run = {"unit_code": facts.unit_code, "period": window.period, "window": window.window,
           "window_start": window.start, "window_end": window.end, "as_of": window.as_of,
           "backend": backend, "parameters": params,
           "rows": {entity: len(frame) for entity, frame in frames.items()}}
    log.info("checks (%s): %s", backend, {e: len(f) for e, f in failures.items()})
    validations = {}
    for entity in list(results):
        validations[entity] = scrub_result(results.pop(entity), rows[entity])
        validations[entity]["meta"]["parbook_run"] = _jsonable(run)
    present = set(regime_ids)
    parts, records = _check_parts(failures, frames, specs, regimes, rows)
    return Findings(records=records, run=run,
                    suites={entity: _suite_json(_gx_suite(spec)) for entity, spec in specs.items()},
                    validations=validations,
                    regimes=tuple(r.id for r in all_regimes() if r.id in present),
                    parts=tuple(parts), frames={p.check.entity: frames[p.check.entity] for p in parts})


# ---------------------------------------------------------------------------------------------
# artefacts for auditors


def scrub_result(result: Any, rows: _Rows) -> dict[str, Any]:
    """A GX suite validation result as JSON data, without data values, ids or load times.

    Each expectation result keeps its counts and the keys of its failing records
    (``unexpected_record_keys``); GX's value lists (which would carry e.g. phone numbers for
    HS06) are left out; ``rows`` maps GX's row numbers to keys. Built from the
    result objects: GX's own to_json_dict deep-copies every
    value list and costs more than the validation.
    """
    from great_expectations.util import convert_to_json_serializable

    meta = {k: v for k, v in (result.meta or {}).items()
            if k not in ("batch_markers", "run_id", "validation_time")}
    scrubbed = []
    for r in result.results:
        res = {k: v for k, v in (r.result or {}).items() if k not in VALUE_RESULT_KEYS}
        config = r.expectation_config.to_json_dict()
        config.pop("id", None)
        entry = convert_to_json_serializable({
            "success": r.success, "expectation_config": config, "result": res,
            "exception_info": r.exception_info})
        if "unexpected_count" in res:       # strings already: not walked by the conversion
            entry["result"]["unexpected_record_keys"] = rows.sorted_keys(_failing_rows(r))
        scrubbed.append(entry)
    scrubbed.sort(key=lambda r: (r["expectation_config"]["meta"].get("check_id", ""),
                                 r["expectation_config"]["meta"].get("rule", 0)))
    out = convert_to_json_serializable({
        "suite_name": result.suite_name, "success": result.success,
        "statistics": result.statistics, "suite_parameters": result.suite_parameters,
        "meta": meta})
    out["results"] = scrubbed
    return out


def _jsonable(value: Any) -> Any:
    from great_expectations.util import convert_to_json_serializable

    return convert_to_json_serializable(value)


def _suite_json(suite: Any) -> dict[str, Any]:
    """GX's JSON of a suite that ran, without the per-process random ids."""
    data = suite.to_json_dict()
    data.pop("id", None)
    for exp in data.get("expectations", []):
        exp.pop("id", None)
    return data


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n"


def write_gx_artifacts(findings: Findings, out_dir: Path | str) -> list[Path]:
    """Write ``gx/suites/<entity>.json`` and ``gx/validations/<entity>.json`` into out_dir.

    The suites are the GX expectation suites that ran; the validation results are scrubbed of
    data values (personal data never reaches them) and keep every failing record's key.
    """
    paths = []
    for kind, contents in (("suites", findings.suites), ("validations", findings.validations)):
        folder = Path(out_dir) / "gx" / kind
        folder.mkdir(parents=True, exist_ok=True)
        for entity, content in contents.items():
            path = folder / f"{entity}.json"
            path.write_text(_json(content), encoding="utf-8")
            paths.append(path)
    return paths


# ---------------------------------------------------------------------------------------------
# tables for notebooks


def regime_basis(check: Check, regime_ids: tuple[str, ...] = ()) -> str:
    """The legal basis of a check under the regimes of a window: the one regime's, or each
    regime's named after it when the window mixes several (the catalogue's when none is given)."""
    regimes = [get_regime(r) for r in regime_ids]
    texts = {r.id: r.check_basis(check.id, check.basis) for r in regimes}
    if len(set(texts.values())) <= 1:
        return next(iter(texts.values()), check.basis)
    return "; ".join(f"{r.name_vi} ({regime_span(r)}): {texts[r.id]}" for r in regimes)


def findings_summary(findings: pd.DataFrame, regime_ids: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per check of the catalogue (zero rows included): severity, titles, basis (under the given
    regimes, :func:`regime_basis`), the auditors' note, count."""
    counts = findings.groupby("check_id").size() if len(findings) else pd.Series(dtype="int64")
    rows = [{"check_id": c.id, "entity": c.entity, "severity": c.severity, "title_vi": c.title_vi,
             "title_en": c.title_en, "basis": regime_basis(c, regime_ids), "note": c.note,
             "count": int(counts.get(c.id, 0))}
            for c in all_checks()]
    return pd.DataFrame(rows, columns=["check_id", "entity", "severity", "title_vi", "title_en",
                                       "basis", "note", "count"])


def failing_records(findings: pd.DataFrame, facts: Facts, bieu06: pd.DataFrame, check_id: str
                    ) -> pd.DataFrame:
    """The records failing one check: key, masked name/phone (dossiers), explaining columns,
    and the finding's message."""
    check = get_check(check_id)
    spec = next(s for s in load_catalogue() if s.entity == check.entity)
    found = findings[findings["check_id"] == check_id]
    keys = found["record_key"].astype(str).tolist()
    source = entity_sources(facts, bieu06)[check.entity]
    source = source.set_axis(source.index.astype(str))
    explain = [c for c in check.explain if c in source.columns and c != spec.record_key]
    out = pd.DataFrame({spec.record_key: keys})
    if check.entity == "dossier":
        raw = facts.data.dossiers.set_index(facts.data.dossiers["dossier_code"].astype(str))
        out["applicant_name_masked"] = [mask_name(raw["applicant_name"].get(k)) for k in keys]
        out["applicant_phone_masked"] = [mask_phone(raw["applicant_phone"].get(k)) for k in keys]
    for col in explain:
        out[col] = source[col].reindex(keys).to_numpy()
    out["message"] = found["message"].to_numpy()
    return out
