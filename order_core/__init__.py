"""Order core: the operational order system (OMS, warehouse, carrier, returns) whose tables feed the pipeline.

Layers, outermost last: `domain` (plain objects and rules, no I/O), `service` (one function per use
case inside a unit of work), `adapters` (SQLAlchemy tables, repositories, migrations, extract writer).
"""
