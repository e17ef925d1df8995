-- One row per UTC day and exception type: how many exceptions happened.
select
    cast(exception_at as date) as exception_date,
    exception_type,
    exception_source,
    count(*) as exceptions
from {{ ref('int_exceptions_unioned') }}
where exception_at is not null
group by cast(exception_at as date), exception_type, exception_source
