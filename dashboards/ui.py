"""Streamlit helpers shared by the views: what to show when there is nothing (yet) to show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd
import streamlit as st

from dashboards import queries
from orderpulse.config import load_settings

T = TypeVar("T")


def missing_warehouse_message(path: Path) -> str:
    landing = load_settings().landing_dir
    return (
        f"No published warehouse at `{path}` yet — run "
        f"`orderpulse run --landing {landing} --warehouse {path}` to publish one."
    )


def warehouse_or_stop() -> queries.Warehouse:
    """The published warehouse, or a clear message (and the end of this page) when there is none."""
    try:
        return queries.current_warehouse()
    except queries.WarehouseMissing as missing:
        st.info(missing_warehouse_message(missing.path), icon=":material/database_off:")
        st.stop()


def fetch(query: Callable[..., T], *args: object) -> T:
    """Call a query; turn the ways a published file can be unusable into a message, not a traceback."""
    try:
        return query(*args)
    except queries.WarehouseMissing as missing:
        st.info(missing_warehouse_message(missing.path), icon=":material/database_off:")
    except duckdb.CatalogException as error:
        st.warning(
            f"The published warehouse does not have the expected tables or columns (is it from an older "
            f"pipeline version?): {error}"
        )
    except duckdb.IOException as error:
        # Only a writer holding the file itself causes this; the pipeline publishes by rename, so a
        # retry a moment later reads the new file.
        st.warning(f"The warehouse file is busy, retry in a moment: {error}")
    st.stop()


def stop_if_empty(frame: pd.DataFrame, what: str) -> None:
    if frame.empty:
        st.info(f"No rows in {what} yet for this selection.", icon=":material/info:")
        st.stop()


def date_range_picker(label: str, bounds: tuple, default_days: int, key: str) -> tuple[dt.date, dt.date]:
    """A start/end picker limited to the dates a mart covers; defaults to its last `default_days` days."""
    first, last = bounds
    default_start = max(first, last - dt.timedelta(days=default_days - 1))
    chosen = st.date_input(label, value=(default_start, last), min_value=first, max_value=last, key=key)
    # While the user has clicked only the start date, the widget returns a 1-tuple.
    if isinstance(chosen, tuple) and len(chosen) == 2:
        return chosen[0], chosen[1]
    start = chosen[0] if isinstance(chosen, tuple) and chosen else default_start
    return start, last


def as_of_caption(info: pd.DataFrame) -> str:
    if info.empty:
        return "run_info is empty: the as-of date of this warehouse is unknown."
    row = info.iloc[0]
    as_of = pd.Timestamp(row["as_of_date"]).date()
    published = pd.Timestamp(row["published_at"]).strftime("%Y-%m-%d %H:%M")
    return f"Data as of **{as_of}** · published {published} UTC · run `{row['run_id']}`"


def order_table(frame: pd.DataFrame, key: str, column_config: dict | None = None) -> None:
    """A list of orders whose order ids link to the order lookup page (?order_id=...)."""
    from dashboards.pages import order_link

    linked = frame.assign(order_id=frame["order_id"].map(order_link))
    st.dataframe(
        linked,
        hide_index=True,
        key=key,
        column_config={
            "order_id": st.column_config.LinkColumn(
                "Order", display_text=r"order_id=(.*)$", help="Open the order's whole story"
            )
        }
        | (column_config or {}),
    )


def suspect_note(suspect: pd.DataFrame) -> None:
    """Say what the shaded bands of the charts mean, and list their reasons."""
    if suspect.empty:
        return
    days = pd.to_datetime(suspect["day"])
    slices = sorted(
        {f"{d} {v}" for d, v in zip(suspect["slice_dimension"], suspect["slice_value"], strict=True)}
    )
    st.warning(
        f"Shaded: {days.dt.date.nunique()} day(s) between {days.min():%Y-%m-%d} and {days.max():%Y-%m-%d} whose "
        f"data failed a data check ({', '.join(slices[:5])}{' ...' if len(slices) > 5 else ''}). Their KPIs may "
        "show a broken feed rather than the operation: see the Data quality page."
    )
    with st.expander("Why these days are suspect"):
        st.dataframe(suspect, hide_index=True, column_config={"day": st.column_config.DateColumn("Day")})
