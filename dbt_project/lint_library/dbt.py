"""Stand-ins for dbt's cross-database macros, so sqlfluff's jinja templater can render models.

sqlfluff's dbt templater does not support dbt-core 1.11; these render the DuckDB SQL
that dbt-duckdb's own macros produce.
"""


def datediff(first_date, second_date, datepart):
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"


def date_trunc(datepart, date):
    return f"date_trunc('{datepart}', {date})"


def type_string():
    return "varchar"
