"""dbt's adapter.dispatch for sqlfluff's jinja templater: lint the models as DuckDB renders them.

A dispatching macro calls `adapter.dispatch('name')(...)`; here that is the project's own
`default__name` macro (the DuckDB spelling), looked up in the rendering template's context.
"""

from jinja2 import pass_context


@pass_context
def dispatch(context, macro_name, macro_namespace=None):
    return context.resolve(f"default__{macro_name}")
