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

import json
import logging
import math
import threading
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from parbook.contract import FINDINGS_COLUMNS, TOTAL
from parbook.errors import ParbookError
from parbook.law.regimes import all_regimes, get_regime, regime_on, regime_span
from parbook.quality.catalogue import (
    Check,
    EntitySpec,
    all_checks,
    check_catalogue,
    get_check,
    load_catalogue,
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


def entity_sources(facts: Facts, bieu06: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The full frame of each entity, indexed by its record key (before column selection).

    ``bieu06``: the window's form (contract columns, TOTAL last) for BM01.
    """
    period = facts.period
    dossiers = pd.concat([period.dossiers, period.returned[~period.returned["in_scope"]]])
    raw = facts.data.dossiers.set_index("dossier_code")
    dossiers["applicant_phone"] = dossiers.index.map(raw["applicant_phone"])
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
    """The frame GX validates: ``record_key`` and the columns the entity's checks read.

    Nullable booleans without gaps become plain bool, with gaps object (True/False/None), so
    that row conditions behave the same in pandas queries and SQL.
    """
    missing = [c for c in spec.columns() if c not in source.columns]
    if missing:
        raise CheckRunError(f"Thiếu cột cho kiểm tra {spec.entity} (missing columns): {missing}")
    frame = source[spec.columns()].copy()
    frame.insert(0, RECORD_KEY, source.index.astype(str))
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.BooleanDtype):
            has_na = bool(frame[col].isna().any())
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None) if has_na \
                else frame[col].astype(bool)
    return frame.reset_index(drop=True)


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
            _GX_STATE["suites"] = {}
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
            suite = gx.ExpectationSuite(name=definition["name"], meta=definition["meta"])
            for exp in definition["expectations"]:
                impl = get_expectation_impl(exp["type"])
                suite.add_expectation(impl(**exp["kwargs"], meta=exp["meta"],
                                           severity=exp["severity"]))
            suites[spec.entity] = context.suites.add_or_update(suite)
        return suites[spec.entity]


def _result_format(frame: pd.DataFrame) -> dict[str, Any]:
    """Every failing record's key (never cut at 20) and no data values (GX's own privacy option;
    with the key as the pandas index it is also ~30× faster than per-row value lookups)."""
    return {"result_format": "COMPLETE", "unexpected_index_column_names": [RECORD_KEY],
            "partial_unexpected_count": max(len(frame), 1), "exclude_unexpected_values": True}


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
    results = {}
    for entity, frame in frames.items():
        batch = definitions[entity].get_batch(
            batch_parameters={"dataframe": frame.set_index(RECORD_KEY)})
        results[entity] = batch.validate(_gx_suite(specs[entity]), result_format=_result_format(frame),
                                         expectation_parameters=params)
    return results


def _validate_sql(frames: dict[str, pd.DataFrame], specs: dict[str, EntitySpec],
                  params: dict[str, Any], url: str | None) -> dict[str, Any]:
    """Validate in SQL: the frames in scratch tables next to ``url`` (parbook.quality.scratch),
    one GX SQL datasource for the run, removed with the scratch space."""
    context = _gx_context()
    results = {}
    with scratch(url, frames) as space:
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
                    _gx_suite(specs[entity]), result_format=_result_format(frames[entity]),
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


def _failures(entity: str, result: Any) -> list[tuple[str, int, str]]:
    """(check_id, rule index, record_key) of every failing record of one validation."""
    out = []
    for r in result.results:
        meta = r.expectation_config.meta or {}
        check_id, rule = meta.get("check_id"), meta.get("rule")
        error = _raised(r.exception_info)
        if error:
            raise CheckRunError(f"GX không đánh giá được {check_id} ({entity}) "
                                f"(GX could not evaluate the expectation): {error}")
        if r.success:
            continue
        keys = _failing_keys(r)
        if len(keys) != r.result.get("unexpected_count", 0):
            raise CheckRunError(f"GX trả về thiếu bản ghi lỗi cho {check_id} "
                                f"(incomplete failing records): {len(keys)} / "
                                f"{r.result.get('unexpected_count')}")
        out.extend((check_id, int(rule), key) for key in keys)
    return out


def _failing_keys(expectation_result: Any) -> list[str]:
    """Keys of an expectation's failing records: GX lists them as [{record_key: [k, …]}] when
    values are excluded, as [{record_key: k, column: value}, …] otherwise."""
    keys: list[Any] = []
    for row in (expectation_result.result or {}).get("unexpected_index_list") or []:
        value = row[RECORD_KEY] if isinstance(row, dict) else row
        keys.extend(value if isinstance(value, list) else [value])
    return [str(k) for k in keys]


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


class _Row(dict):
    """Values of one record for str.format_map, formatted on access."""

    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__()
        self.record = record

    def __missing__(self, key: str) -> str:
        return format_value(key, self.record.get(key))


def _message(check: Check, record: dict[str, Any], key: str, rules: list[int]) -> str:
    row = _Row(record)
    reasons = "; ".join(dict.fromkeys(check.rules[i].reason_vi.format_map(row) for i in sorted(rules)))
    row["record_key"] = key
    row["reasons"] = reasons
    return " ".join(check.message_vi.format_map(row).split())


def _findings(failures: dict[str, list[tuple[str, int, str]]], frames: dict[str, pd.DataFrame],
              specs: dict[str, EntitySpec], regimes: dict[str, pd.Series]) -> pd.DataFrame:
    """One row per (check, record); ``regimes``: each entity's record key → regime id."""
    rows = []
    for entity, items in failures.items():
        if not items:
            continue
        checks = {c.id: c for c in specs[entity].checks}
        frame = frames[entity]
        shown = sorted(set().union(*(checks[c].message_columns() for c in {i[0] for i in items})))
        failing = frame.loc[frame[RECORD_KEY].isin({key for _, _, key in items}), shown]
        failing.insert(0, RECORD_KEY, frame.loc[failing.index, RECORD_KEY])
        records = dict(zip(failing[RECORD_KEY], failing.to_dict("records"), strict=True))
        grouped: dict[tuple[str, str], list[int]] = {}
        for check_id, rule, key in items:
            grouped.setdefault((check_id, key), []).append(rule)
        for (check_id, key), rules in grouped.items():
            check = checks[check_id]
            rows.append({"check_id": check_id, "severity": check.severity, "entity": entity,
                         "record_key": key, "message": _message(check, records[key], key, rules),
                         "regime": regimes[entity].get(key)})
    findings = pd.DataFrame(rows, columns=FINDINGS_COLUMNS)
    return findings.sort_values(["check_id", "record_key"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class Findings:
    """The findings of a window (contract columns of findings.csv, one row per check and record)
    and the Great Expectations artefacts of the run that found them: the run's parameters, the
    suites that ran and the validation results, scrubbed of data values."""

    frame: pd.DataFrame
    run: dict[str, Any]
    suites: dict[str, Any]
    validations: dict[str, Any]
    regimes: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        """Per check of the catalogue (zero rows included): severity, titles, basis under the
        regimes of the window's records, count."""
        return findings_summary(self.frame, self.regimes)


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
    sources = entity_sources(facts, bieu06)
    frames = {entity: entity_frame(spec, sources[entity]) for entity, spec in specs.items()}
    regimes = {entity: source["regime"].set_axis(source.index.astype(str))
               for entity, source in sources.items()}
    params = check_parameters(facts, now)
    if backend == "pandas":
        results = _validate_pandas(frames, specs, params)
    else:
        results = _validate_sql(frames, specs, params, url)
    failures = {entity: _failures(entity, result) for entity, result in results.items()}
    window = facts.window
    run = {"unit_code": facts.unit_code, "period": window.period, "window": window.window,
           "window_start": window.start, "window_end": window.end, "as_of": window.as_of,
           "backend": backend, "parameters": params,
           "rows": {entity: len(frame) for entity, frame in frames.items()}}
    log.info("checks (%s): %s", backend, {e: len(f) for e, f in failures.items()})
    validations = {}
    for entity, result in results.items():
        validations[entity] = scrub_result(result)
        validations[entity]["meta"]["parbook_run"] = _jsonable(run)
    present = set().union(*(set(r.dropna()) for r in regimes.values()))
    return Findings(frame=_findings(failures, frames, specs, regimes), run=run,
                    suites={entity: _suite_json(_gx_suite(spec)) for entity, spec in specs.items()},
                    validations=validations,
                    regimes=tuple(r.id for r in all_regimes() if r.id in present))


# ---------------------------------------------------------------------------------------------
# artefacts for auditors


def scrub_result(result: Any) -> dict[str, Any]:
    """A GX suite validation result as JSON data, without data values, ids or load times.

    Each expectation result keeps its counts and the keys of its failing records
    (``unexpected_record_keys``); GX's value lists (which would carry e.g. phone numbers for
    HS06) are left out. Built from the result objects: GX's own to_json_dict deep-copies every
    value list and costs more than the validation.
    """
    from great_expectations.util import convert_to_json_serializable

    meta = {k: v for k, v in (result.meta or {}).items()
            if k not in ("batch_markers", "run_id", "validation_time")}
    scrubbed = []
    for r in result.results:
        res = {k: v for k, v in (r.result or {}).items() if k not in VALUE_RESULT_KEYS}
        if "unexpected_count" in res:
            res["unexpected_record_keys"] = sorted(_failing_keys(r))
        config = r.expectation_config.to_json_dict()
        config.pop("id", None)
        scrubbed.append(convert_to_json_serializable({
            "success": r.success, "expectation_config": config, "result": res,
            "exception_info": r.exception_info}))
    scrubbed.sort(key=lambda r: (r["expectation_config"]["meta"].get("check_id", ""),
                                 r["expectation_config"]["meta"].get("rule", 0)))
    return convert_to_json_serializable({
        "suite_name": result.suite_name, "success": result.success,
        "statistics": result.statistics, "suite_parameters": result.suite_parameters,
        "meta": meta, "results": scrubbed})


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
