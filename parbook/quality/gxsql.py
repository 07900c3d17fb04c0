"""Great Expectations' SQL validation on PostgreSQL in a few merged queries, results unchanged
(GX 1.24.1).

GX resolves a suite's metrics in rounds; in each round it runs a query per row-condition
domain for the aggregate metrics, and a query per expectation for each of its "direct" metrics:
the failing records' keys (``unexpected_index_list``), their values (``unexpected_values``),
the column-pair counts (``unexpected_count``, ``filtered_row_count``). About 200 scans of the
dossier table per run. Here each round's metrics are computed in one query per table instead:
every metric of a domain's rows becomes an aggregate over the whole table with
``FILTER (WHERE <the domain's conditions>)`` — ``sum``/``count``/``min``/``max``/``avg`` as GX
wrote them, counts of GX's unexpected condition, ``array_agg`` of the index columns for the
failing keys. Each distinct condition (a domain's filter, an expectation's unexpected
condition) is evaluated once per row, in a fenced subquery, and read by every aggregate that
needs it. The expressions are GX's own (its unexpected conditions and domain filters), the
values are converted as GX converts them.

``unexpected_values`` is not queried when the result format excludes unexpected values: GX then
does not use it (``_format_map_output``), and parbook asks only for failing keys.

A metric this module cannot merge (another dialect, a domain that is not a filtered table, an
expression that is not a plain aggregate, values asked for) is left to GX, as is every metric
of a merged query that fails (GX then runs them its own way and reports its own errors).
Installed by parbook.quality.checks with its GX context; only for the GX version above.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

GX_VERSION = "1.24.1"
AGGREGATES = frozenset({"sum", "count", "min", "max", "avg"})
_installed: list[bool] = []


class _Unmerged(Exception):
    """A metric whose computation this module does not merge (GX computes it)."""


def _domain(engine: Any, domain_kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """The table a domain's rows come from and the condition that selects them (None: all):
    GX's domain records unwrapped, a ``SELECT * … WHERE`` at a time."""
    import sqlalchemy as sa
    from sqlalchemy.sql.elements import ColumnClause, TextClause
    from sqlalchemy.sql.selectable import AliasedReturnsRows, Select, TableClause

    selectable = engine.get_domain_records(domain_kwargs=domain_kwargs)
    conditions = []
    while not isinstance(selectable, TableClause):
        if isinstance(selectable, AliasedReturnsRows):  # a subquery or an alias
            selectable = selectable.element
            continue
        if not isinstance(selectable, Select):
            raise _Unmerged(type(selectable).__name__)
        columns = selectable._raw_columns
        star = len(columns) == 1 and (
            isinstance(columns[0], TextClause) and columns[0].text == "*"
            or isinstance(columns[0], ColumnClause) and columns[0].name == "*"
            and columns[0].table is None)
        plain = (star and selectable._limit_clause is None
                 and selectable._offset_clause is None and not selectable._group_by_clauses
                 and not selectable._having_criteria and not selectable._distinct
                 and not selectable._order_by_clauses)
        froms = selectable._from_obj        # the explicit FROMs (_merged_queries checks the rest)
        if not plain or len(froms) != 1:
            raise _Unmerged("not a filtered table")
        if selectable.whereclause is not None:
            conditions.append(selectable.whereclause)
        selectable = froms[0]
    return selectable, (sa.and_(*conditions) if conditions else None)


def _plain(aggregate: Any) -> Any:
    """The aggregate, when it is a plain one (FILTER may be added to it)."""
    from sqlalchemy.sql.functions import FunctionElement

    if not isinstance(aggregate, FunctionElement) or aggregate.name.lower() not in AGGREGATES:
        raise _Unmerged("not a plain aggregate")
    return aggregate


# An aggregate of a merged metric: the aggregate function, over the rows meeting the domain's
# condition (None: every row) and, for failing rows, GX's unexpected condition (or None).
Aggregate = tuple[Any, Any, Any]
# A merged metric: its table, its aggregates, and the metric's value from their values.
Plan = tuple[Any, list[Aggregate], Callable[[list[Any]], Any]]


def _unexpected_domain(engine: Any, kwargs: dict[str, Any], accessor: bool = True
                       ) -> tuple[Any, Any, Any]:
    """GX's unexpected condition of a map metric and its domain's table and condition (the
    compute domain with the accessor's keys, as GX's count and index functions read it)."""
    from great_expectations.expectations.metrics.map_metric_provider.is_sqlalchemy_metric_selectable import (  # noqa: E501
        _is_sqlalchemy_metric_selectable,
    )

    if _is_sqlalchemy_metric_selectable(map_metric_provider=kwargs["cls"]):
        raise _Unmerged("selectable metric")
    condition, compute, accessor_kwargs = kwargs["metrics"]["unexpected_condition"]
    table, where = _domain(engine, {**compute, **accessor_kwargs} if accessor else compute)
    return condition, table, where


def _plan_index_list(engine: Any, kwargs: dict[str, Any]) -> Plan:
    """GX's _sqlalchemy_map_condition_index with unexpected values excluded: the index columns
    of the failing rows as one list each, in GX's [{column: [value, …]}] (empty: [])."""
    import sqlalchemy as sa

    result_format = kwargs["metric_value_kwargs"]["result_format"]
    names = result_format.get("unexpected_index_column_names") or []
    if not names or not result_format.get("exclude_unexpected_values") or \
            any(n not in kwargs["metrics"].get("table.columns", []) for n in names):
        raise _Unmerged("index list with values")
    condition, table, where = _unexpected_domain(engine, kwargs)
    limit = result_format["partial_unexpected_count"]

    def value(lists: list[Any]) -> list[dict[str, Any]]:
        if not lists[0]:
            return []
        return [{name: _index_values(values, limit) for name, values in zip(names, lists,
                                                                            strict=True)}]

    return table, [(sa.func.array_agg(sa.column(n)), where, condition) for n in names], value


def _index_values(values: list[Any] | None, limit: int) -> list[Any] | np.ndarray:
    """An index column's values of the failing rows (at most ``limit``); integers as one int64
    array (a million Python ints hold 36 MB, the array 8), anything else as the list."""
    values = list(values or [])[:limit]
    if values and all(type(v) is int for v in values):
        return np.fromiter(values, dtype=np.int64, count=len(values))
    return values


def _plan_unexpected_count(engine: Any, kwargs: dict[str, Any]) -> Plan:
    """GX's _sqlalchemy_map_condition_unexpected_count_value: the failing rows counted (its sum
    of 1 per failing row; 0 when there are none)."""
    import sqlalchemy as sa

    condition, table, where = _unexpected_domain(engine, kwargs)
    return table, [(sa.func.count(), where, condition)], lambda values: int(values[0] or 0)


def _plan_filtered_row_count(engine: Any, kwargs: dict[str, Any]) -> Plan:
    """GX's _sqlalchemy_column_pair_map_condition_filtered_row_count: the domain's rows."""
    import sqlalchemy as sa
    from great_expectations.expectations.metrics.util import (
        get_dbms_compatible_metric_domain_kwargs,
    )

    _, compute, accessor = kwargs["metrics"]["unexpected_condition"]
    accessor = get_dbms_compatible_metric_domain_kwargs(
        metric_domain_kwargs=accessor, batch_columns_list=kwargs["metrics"]["table.columns"])
    table, where = _domain(engine, {**compute, **accessor})
    return table, [(sa.func.count(), where, None)], lambda values: values[0]


@dataclass(frozen=True)
class _Later:
    """A plan key: an aggregate of the next round (by its expression), computed in this one."""

    expression: int


def _plan_aggregate(engine: Any, aggregate: Any, compute_domain_kwargs: dict | None) -> Plan:
    """A bundled aggregate metric of GX over its domain's rows (GX's resolve_metric_bundle)."""
    from great_expectations.util import convert_to_json_serializable

    table, where = _domain(engine, compute_domain_kwargs or {})
    return (table, [(_plain(aggregate), where, None)],
            lambda values: convert_to_json_serializable(data=values[0]))


def _merged_query(engine: Any, table: Any, aggregates: list[Aggregate]) -> Any:
    """One query of the aggregates over a table. Each distinct condition (a domain's, GX's
    unexpected condition) is evaluated once per row, as a column of a fenced subquery (OFFSET
    0), and read from there by the aggregates' FILTERs — and by GX's own aggregates that hold
    the same condition object."""
    import sqlalchemy as sa
    from sqlalchemy.sql.visitors import replacement_traverse

    shared: list[Any] = []
    by_text: dict[tuple[str, str], str] = {}
    by_object: dict[int, str] = {}

    def column_of(condition: Any) -> Any:
        compiled = condition.compile(dialect=engine.engine.dialect)
        key = (str(compiled), repr(sorted(compiled.params.items())))
        if key not in by_text:
            by_text[key] = f"parbook_condition_{len(shared)}"
            shared.append(condition.label(by_text[key]))
        by_object[id(condition)] = by_text[key]
        return sa.column(by_text[key])

    filters = [[column_of(c) for c in (where, condition) if c is not None]
               for _, where, condition in aggregates]

    def shared_column(element: Any) -> Any:
        name = by_object.get(id(element))
        return None if name is None else sa.column(name)

    expressions = []
    for (aggregate, _, _), conditions in zip(aggregates, filters, strict=True):
        aggregate = replacement_traverse(aggregate, {}, shared_column)
        expressions.append(aggregate.filter(sa.and_(*conditions)) if conditions else aggregate)
    rows = table
    if shared:
        inner = sa.select(sa.text("*"), *shared).select_from(table).offset(0)
        if len(inner.get_final_froms()) != 1:          # a condition brought its own table
            raise _Unmerged("more than one table")
        rows = inner.subquery("parbook_rows")
    query = sa.select(*(e.label(f"m{i}") for i, e in enumerate(expressions))).select_from(rows)
    if len(query.get_final_froms()) != 1:              # an aggregate brought its own table
        raise _Unmerged("more than one table")
    return query


def _merged_queries(engine: Any, plans: dict[Any, Plan]) -> dict[Any, Any]:
    """Each table's planned metrics by one query; the values by metric id."""
    by_table: dict[Any, list[tuple[Any, Plan]]] = {}
    for metric_id, plan in plans.items():
        by_table.setdefault(plan[0], []).append((metric_id, plan))
    resolved = {}
    for table, planned in by_table.items():
        query = _merged_query(engine, table, [a for _, (_, parts, _) in planned for a in parts])
        row = list(engine.execute_query(query).fetchone())
        for metric_id, (_, exprs, value) in planned:
            resolved[metric_id] = value(row[:len(exprs)])
            del row[:len(exprs)]
    return resolved


def install() -> bool:
    """Merge GX's SQL metric queries on PostgreSQL (once per process); False when GX is not the
    version above."""
    import great_expectations

    if _installed:
        return _installed[0]
    if great_expectations.__version__ != GX_VERSION:
        _installed.append(False)
        return False
    from great_expectations.core.id_dict import IDDict
    from great_expectations.execution_engine import SqlAlchemyExecutionEngine
    from great_expectations.expectations.metrics.map_metric_provider import (
        column_map_condition_auxilliary_methods as column_map,
    )
    from great_expectations.expectations.metrics.map_metric_provider import (
        column_pair_map_condition_auxilliary_methods as column_pair,
    )
    from great_expectations.expectations.metrics.map_metric_provider import (
        map_condition_auxilliary_methods as map_condition,
    )
    from great_expectations.expectations.metrics.map_metric_provider import (
        multicolumn_map_condition_auxilliary_methods as multicolumn,
    )

    values_functions = (column_map._sqlalchemy_column_map_condition_values,
                        column_pair._sqlalchemy_column_pair_map_condition_values,
                        multicolumn._sqlalchemy_multicolumn_map_condition_values)
    planners = {map_condition._sqlalchemy_map_condition_index: _plan_index_list,
                map_condition._sqlalchemy_map_condition_unexpected_count_value:
                    _plan_unexpected_count,
                column_pair._sqlalchemy_column_pair_map_condition_filtered_row_count:
                    _plan_filtered_row_count}
    original = SqlAlchemyExecutionEngine._process_direct_and_bundled_metric_computation_configurations

    def process(self: Any, metric_fn_direct_configurations: list[Any],
                metric_fn_bundle_configurations: list[Any]) -> dict[Any, Any]:
        """GX's method with the metrics this module merges taken out and computed merged."""
        if self.dialect_name != "postgresql":
            return original(self, metric_fn_direct_configurations, metric_fn_bundle_configurations)
        plans: dict[Any, Plan] = {}
        resolved: dict[Any, Any] = {}
        ahead: dict[int, tuple[Any, str, Any]] = self.__dict__.setdefault("_parbook_ahead", {})
        direct, bundle, merged_direct, merged_bundle = [], [], [], []
        partials = [c for c in metric_fn_direct_configurations
                    if c.metric_configuration.metric_name.endswith(".aggregate_fn")]
        if partials:                # GX's own (no query): the aggregates of the next round
            resolved.update(original(self, partials, []))
        for computation in metric_fn_direct_configurations:
            kwargs = computation.metric_provider_kwargs
            metric_id = computation.metric_configuration.id
            fn = computation.metric_fn
            if metric_id in resolved:
                continue
            try:
                if fn in values_functions and \
                        kwargs["metric_value_kwargs"]["result_format"].get("exclude_unexpected_values"):
                    resolved[metric_id] = []            # not used by GX (see above)
                    continue
                if fn not in planners:
                    raise _Unmerged(getattr(fn, "__name__", "metric"))
                plans[metric_id] = planners[fn](self, kwargs)
                merged_direct.append(computation)
            except _Unmerged:
                direct.append(computation)
        later = {}
        for computation in partials:                # computed now, in this round's scan
            expression, compute, _ = resolved[computation.metric_configuration.id]
            try:
                later[_Later(id(expression))] = (expression, IDDict(compute or {}).to_id())
                plans[_Later(id(expression))] = _plan_aggregate(self, expression, compute)
            except _Unmerged:
                later.pop(_Later(id(expression)))
        for computation in metric_fn_bundle_configurations:
            known = ahead.get(id(computation.metric_fn))
            if known is not None and known[0] is computation.metric_fn and \
                    known[1] == IDDict(computation.compute_domain_kwargs or {}).to_id():
                resolved[computation.metric_configuration.id] = known[2]
                continue
            try:
                plans[computation.metric_configuration.id] = _plan_aggregate(
                    self, computation.metric_fn, computation.compute_domain_kwargs)
                merged_bundle.append(computation)
            except _Unmerged:
                bundle.append(computation)
        try:
            for key, value in (_merged_queries(self, plans) if plans else {}).items():
                if isinstance(key, _Later):
                    ahead[key.expression] = (*later[key], value)
                else:
                    resolved[key] = value
        except Exception:                               # GX's own way, with its own errors
            resolved = {k: v for k, v in resolved.items() if k not in plans}
            direct += merged_direct
            bundle += merged_bundle
        if self._caching:
            self._metric_cache.update(resolved)
        resolved.update(original(self, direct, bundle))
        return resolved

    process.__wrapped__ = original                      # type: ignore[attr-defined]
    SqlAlchemyExecutionEngine._process_direct_and_bundled_metric_computation_configurations = process
    _installed.append(True)
    return True
