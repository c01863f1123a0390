"""The writes of one runtime step, sent to PostgreSQL as one statement.

A step changes a handful of rows (the audit event and its chain head, the instance, the
projection rows it gained and lost); each a statement of its own costs a round trip. Here
they are collected and, on PostgreSQL, sent together as data-modifying WITH clauses. SQLite
(the embedded demo) runs them one after the other, as it has no such clauses.

Clauses of one statement see the same snapshot and run in no set order, unless one reads
another: a clause that needs another's row (an audit chain head moved onto the event just
inserted: engine migration 0007 checks that the event is there) names it in `after`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import AutoField, Model, QuerySet
from django.db.models.sql import DeleteQuery, InsertQuery, UpdateQuery


class WriteFailed(RuntimeError):
    """A write that must change an exact number of rows changed another number."""


class Writes:
    def __init__(self, using: str = DEFAULT_DB_ALIAS) -> None:
        self.using = using
        # (sql, params, rows it must change or None, index of a clause it must follow)
        self._statements: list[tuple[str, list[Any], int | None, int | None]] = []
        # Index of an INSERT -> the objects it inserts, to be given their primary keys.
        self._keyed: dict[int, Sequence[Model]] = {}
        # Audit chains whose head the queued statements move (engine.audit.append).
        self.moved_heads: set[str] = set()

    def __len__(self) -> int:
        return len(self._statements)

    def insert(self, objs: Sequence[Model], *, set_pks: bool = False) -> int | None:
        """Queue an INSERT of `objs` (one model); returns the clause's index. Their primary
        keys are left unset unless given, or `set_pks` (RETURNING them, in VALUES order)."""
        if not objs:
            return None
        model = type(objs[0])
        with_pk = objs[0].pk is not None
        fields = [
            field
            for field in model._meta.local_concrete_fields
            if with_pk or not isinstance(field, AutoField)
        ]
        query = InsertQuery(model)
        query.insert_values(fields, list(objs), raw=False)
        compiler = query.get_compiler(using=self.using)
        ((sql, params),) = compiler.as_sql()
        index = self.raw(sql, list(params))
        if set_pks and not with_pk:
            self._keyed[index] = objs
        return index

    def update(
        self, queryset: QuerySet[Any], values: dict[str, Any], rows: int | None = None
    ) -> int:
        query = cast(UpdateQuery, queryset.query.chain(UpdateQuery))
        query.add_update_values(values)
        compiler = query.get_compiler(using=self.using)
        compiler.pre_sql_setup()
        sql, params = compiler.as_sql()
        return self.raw(sql, list(params), rows=rows)

    def delete(self, queryset: QuerySet[Any]) -> int:
        """Queue a DELETE of the rows matched, without the ORM's cascade (for rows nothing
        references)."""
        query = queryset.query.clone()
        query.__class__ = DeleteQuery
        sql, params = query.get_compiler(using=self.using).as_sql()
        return self.raw(sql, list(params))

    def raw(
        self, sql: str, params: list[Any], *, rows: int | None = None, after: int | None = None
    ) -> int:
        """`after`: the index of a clause to run first; `sql` must then end in its WHERE."""
        self._statements.append((sql, params, rows, after))
        return len(self._statements) - 1

    def flush(self) -> None:
        statements, self._statements = self._statements, []
        keyed, self._keyed = self._keyed, {}
        self.moved_heads = set()
        if not statements:
            return
        connection = connections[self.using]
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql" or len(statements) == 1:
                for index, (sql, params, rows, _after) in enumerate(statements):
                    objs = keyed.get(index)
                    if objs is None:
                        cursor.execute(sql, params)
                        _check(rows, cursor.rowcount, sql)
                        continue
                    cursor.execute(f"{sql} RETURNING {_pk_column(objs)}", params)
                    _set_pks(objs, [pk for (pk,) in cursor.fetchall()], self.using)
                return
            clauses, values, results = [], [], []
            for index, (sql, params, _rows, after) in enumerate(statements):
                if after is not None:
                    # Reading the earlier clause makes it run (to completion) first.
                    sql += f" AND EXISTS (SELECT 1 FROM w{after})"  # noqa: S608
                objs = keyed.get(index)
                if objs is None:
                    clauses.append(f"w{index} AS ({sql} RETURNING 1)")
                    results.append(f"(SELECT count(*) FROM w{index})")  # noqa: S608
                else:
                    column = _pk_column(objs)
                    clauses.append(f"w{index} AS ({sql} RETURNING {column})")
                    results.append(f"(SELECT array_agg({column}) FROM w{index})")  # noqa: S608
                values.extend(params)
            cursor.execute(f"WITH {', '.join(clauses)} SELECT {', '.join(results)}", values)
            changed = cursor.fetchone()
        for index, ((sql, _params, rows, _after), result) in enumerate(
            zip(statements, changed, strict=True)
        ):
            if index in keyed:
                _set_pks(keyed[index], list(result or []), self.using)
            else:
                _check(rows, result, sql)


def _pk_column(objs: Sequence[Model]) -> str:
    return f'"{objs[0]._meta.pk.column}"'


def _set_pks(objs: Sequence[Model], pks: list[Any], using: str) -> None:
    if len(pks) != len(objs):
        raise WriteFailed(f"{len(pks)} rows inserted instead of {len(objs)}")
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using


def _check(expected: int | None, changed: int, sql: str) -> None:
    if expected is not None and changed != expected:
        raise WriteFailed(f"{changed} rows changed instead of {expected}: {sql[:200]}")
