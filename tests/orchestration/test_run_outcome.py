"""`orderpulse run` judges a run by what ran: a step that Dagster skipped is not a success."""

from __future__ import annotations

import dagster as dg

from orchestration.run import _failure_message, _skipped_steps


@dg.asset(output_required=False)
def dbt_models_stand_in():
    # What a dbt step does when dagster-dbt cannot parse a model's event (a Spark progress bar
    # glued to dbt's JSON line once did that): the model's output is never yielded.
    return
    yield


@dg.asset(deps=[dbt_models_stand_in])
def published_stand_in() -> None:
    raise AssertionError("a skipped step must not run")


def test_a_run_whose_publish_was_skipped_is_a_failure_naming_the_step():
    result = dg.materialize([dbt_models_stand_in, published_stand_in], raise_on_error=False)

    assert result.success  # Dagster's view: nothing failed
    assert _skipped_steps(result) == ["published_stand_in"]
    message = _failure_message(result)
    assert message.startswith("orderpulse: run failed; the previously published warehouse is unchanged.")
    assert "step published_stand_in did not run: an asset it reads was not materialized" in message


@dg.asset
def dbt_models_that_ran() -> None:
    return None


@dg.asset(deps=[dbt_models_that_ran])
def published_after_them() -> None:
    return None


def test_a_run_where_every_step_ran_has_no_skipped_steps():
    result = dg.materialize([dbt_models_that_ran, published_after_them], raise_on_error=False)

    assert result.success
    assert _skipped_steps(result) == []
