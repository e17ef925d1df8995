"""Adapters: SQLAlchemy tables and repositories, migrations, the extract writer."""
