"""``field__any=values``: membership in a long list of values, as one parameter.

Django's ``__in`` binds one placeholder per value; for the thousands of keys a batch intake
looks up, building and binding those placeholders costs more than the query (and psycopg
splits the statement at each one). On PostgreSQL ``__any`` sends the list as one array
(``field = ANY(%s)``), which the planner uses with the same index; elsewhere it is ``__in``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(v, connection, prepared=True) for v in self.rhs]
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


Field.register_lookup(AnyOf)
# Relations keep lookups of their own (ForeignObject.get_class_lookups stops there): for
# foreign keys, ``__any`` takes ids.
ForeignObject.register_lookup(AnyOf)
