"""Figures: pure functions from a query frame to a plotly figure, testable without a browser."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.kpis import FAILURE_CAUSES_BY_NAME, Kpi

BENCHMARK_COLOR = "#d62728"
HEIGHT = 360


def _base_layout(figure: go.Figure, title: str, y_title: str) -> go.Figure:
    figure.update_layout(
        title=title,
        height=HEIGHT,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "xanchor": "left", "x": 0},
        hovermode="x unified",
        yaxis_title=y_title,
    )
    return figure


def _add_benchmark(figure: go.Figure, kpi: Kpi, values: pd.Series) -> None:
    """The kpis.md benchmark as a labelled dashed line, so a gap to best-in-class is visible at a glance."""
    if kpi.benchmark is None:
        return
    # Write the label on the side of the line away from most of the data, so the two do not overlap.
    data_mostly_above = not values.empty and values.median() >= kpi.benchmark.value
    figure.add_hline(
        y=kpi.benchmark.value,
        line={"color": BENCHMARK_COLOR, "dash": "dash", "width": 1.5},
        label={
            "text": kpi.benchmark.label,
            "textposition": "end",
            "yanchor": "top" if data_mostly_above else "bottom",
            "font": {"color": BENCHMARK_COLOR, "size": 11},
        },
        name=kpi.benchmark.label,
        # A figure without data (no series selected) still shows the target.
        exclude_empty_subplots=False,
    )


# Up to this many periods get one tick each; plotly's automatic daily ticks would fall between weeks.
MAX_PERIOD_TICKS = 16


def rate_trend(
    frame: pd.DataFrame,
    kpi: Kpi,
    x: str,
    series: str | None = None,
    title: str = "",
    period_tick_format: str | None = None,
) -> go.Figure:
    """One line per value of `series` (or a single line) of a rate over `x`, with its benchmark.

    `period_tick_format` (e.g. "%b %d") marks `x` as period starts: one tick per period in that format.
    """
    figure = go.Figure()
    groups = [(kpi.label, frame)] if series is None else list(frame.groupby(series, sort=True))
    for name, rows in groups:
        figure.add_trace(
            go.Scatter(
                x=rows[x],
                y=rows[kpi.column],
                name=str(name),
                mode="lines+markers",
                hovertemplate="%{y:.2%}",
            )
        )
    _base_layout(figure, title or kpi.label, "")
    figure.update_layout(showlegend=series is not None)
    figure.update_yaxes(tickformat=".2%")
    figure.update_xaxes(hoverformat="%Y-%m-%d")
    if period_tick_format is not None:
        periods = sorted(frame[x].unique())
        if len(periods) <= MAX_PERIOD_TICKS:
            figure.update_xaxes(tickmode="array", tickvals=periods, tickformat=period_tick_format)
    values = pd.to_numeric(frame[kpi.column], errors="coerce").dropna()
    _add_benchmark(figure, kpi, values)
    _include_benchmark_in_range(figure, values, kpi)
    return figure


def _include_benchmark_in_range(figure: go.Figure, values: pd.Series, kpi: Kpi) -> None:
    # Plotly's autorange ignores shapes, so a series well below target would push the line off-chart.
    if kpi.benchmark is None:
        return
    low = min([kpi.benchmark.value, *values.tolist()])
    high = max([kpi.benchmark.value, *values.tolist()])
    padding = max((high - low) * 0.1, 0.002)
    figure.update_yaxes(range=[low - padding, min(high + padding, 1.0 + padding)])


def cycle_time_statistics(frame: pd.DataFrame, measure: str, title: str) -> go.Figure:
    """Mean, median and p90 of one cycle-time measure (e.g. 'cycle_time_hours') per delivery date."""
    figure = go.Figure()
    for statistic, dash in (("mean", "dot"), ("p50", "solid"), ("p90", "dash")):
        column = f"{measure}_{statistic}"
        figure.add_trace(
            go.Scatter(
                x=frame["delivery_date"],
                y=frame[column],
                name=statistic,
                mode="lines+markers",
                line={"dash": dash},
                hovertemplate="%{y:,.1f} h",
            )
        )
    return _base_layout(figure, title, "hours")


CYCLE_SEGMENTS = {
    "order_to_ship_hours_p50": "Order → ship",
    "ship_to_deliver_hours_p50": "Ship → deliver",
    "clean_cycle_time_hours_p50": "Clean cycle time (after holds)",
    "cycle_time_hours_p50": "Order → deliver",
}


def cycle_time_segments(frame: pd.DataFrame) -> go.Figure:
    """Median hours of each segment per delivery date: where the time goes."""
    figure = go.Figure()
    for column, name in CYCLE_SEGMENTS.items():
        figure.add_trace(
            go.Scatter(
                x=frame["delivery_date"],
                y=frame[column],
                name=name,
                mode="lines+markers",
                hovertemplate="%{y:,.1f} h",
            )
        )
    return _base_layout(figure, "Cycle time segments (median hours)", "hours")


def exceptions_per_1000(frame: pd.DataFrame) -> go.Figure:
    figure = go.Figure(
        go.Scatter(
            x=frame["order_date"],
            y=frame["exceptions_per_1000_orders"],
            name="Exceptions per 1,000 orders",
            mode="lines+markers",
            customdata=frame[["exceptions", "orders_created"]],
            hovertemplate="%{y:,.2f} per 1,000 (%{customdata[0]:,} exceptions / %{customdata[1]:,} orders)",
        )
    )
    _base_layout(figure, "Exceptions per 1,000 orders (by day)", "per 1,000 orders")
    figure.update_layout(hovermode="closest", showlegend=False)
    return figure


def exception_pareto(frame: pd.DataFrame) -> go.Figure:
    """Bars of exceptions by type, most frequent first, with the cumulative share on a second axis."""
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=frame["exception_type"],
            y=frame["exceptions"],
            name="Exceptions",
            hovertemplate="%{x}: %{y:,}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=frame["exception_type"],
            y=frame["cumulative_share"],
            name="Cumulative share",
            mode="lines+markers",
            yaxis="y2",
            hovertemplate="%{y:.2%}<extra></extra>",
        )
    )
    _base_layout(figure, "Pareto of exception types", "exceptions")
    figure.update_layout(
        hovermode="closest",
        # Bars and the cumulative line are told apart by their axes; a legend would crowd the type names.
        showlegend=False,
        xaxis={
            "categoryorder": "array",
            "categoryarray": list(frame["exception_type"]),
            "tickangle": -35,
            "automargin": True,
        },
        yaxis2={
            "title": "cumulative share",
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.05],
            "tickvals": [0, 0.25, 0.5, 0.75, 1.0],
            "tickformat": ".0%",
            "showgrid": False,
        },
    )
    # The classic 80% line: the types left of where the curve crosses it are the vital few.
    figure.add_shape(
        type="line",
        xref="paper",
        x0=0,
        x1=1,
        yref="y2",
        y0=0.8,
        y1=0.8,
        line={"color": "gray", "dash": "dot", "width": 1},
        label={"text": "80%", "textposition": "end", "yanchor": "bottom"},
        name="80% of exceptions",
    )
    return figure


def _cause_label(name: str) -> str:
    cause = FAILURE_CAUSES_BY_NAME.get(name)
    return cause.label if cause else name


def failure_cause_pareto(frame: pd.DataFrame, title: str) -> go.Figure:
    """Bars of failed orders by cause, most first, with each cause's share of measured orders."""
    ordered = frame.sort_values(["orders", "failure_cause"], ascending=[False, True], kind="stable")
    labels = [_cause_label(name) for name in ordered["failure_cause"]]
    total = ordered["orders"].sum()
    cumulative = ordered["orders"].cumsum() / total if total else ordered["orders"] * 0.0
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=labels,
            y=ordered["orders"].tolist(),
            name="Orders",
            customdata=ordered[["share"]],
            hovertemplate="%{x}: %{y:,} orders, %{customdata[0]:.2%} of measured orders<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=labels,
            y=cumulative.tolist(),
            name="Cumulative share of failures",
            mode="lines+markers",
            yaxis="y2",
            hovertemplate="%{y:.1%} of failed orders<extra></extra>",
        )
    )
    _base_layout(figure, title, "failed orders")
    figure.update_layout(
        hovermode="closest",
        showlegend=False,
        xaxis={"categoryorder": "array", "categoryarray": labels},
        yaxis2={
            "title": "cumulative share of failures",
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.05],
            "tickformat": ".0%",
            "showgrid": False,
        },
    )
    return figure


def failure_causes_by_dimension(frame: pd.DataFrame, title: str) -> go.Figure:
    """Stacked bars: per channel, warehouse or carrier, each cause's share of its measured orders."""
    figure = go.Figure()
    for name, rows in frame.groupby("failure_cause", sort=False):
        figure.add_trace(
            go.Bar(
                x=rows["dimension_value"],
                y=rows["share"].tolist(),
                name=_cause_label(name),
                customdata=rows[["orders", "orders_measured"]],
                hovertemplate="%{y:.2%} (%{customdata[0]:,} of %{customdata[1]:,} orders)",
            )
        )
    _base_layout(figure, title, "share of measured orders")
    figure.update_layout(barmode="stack")
    figure.update_yaxes(tickformat=".1%")
    return figure


def failure_cause_shares_over_time(frame: pd.DataFrame, title: str, period_tick_format: str) -> go.Figure:
    """One line per cause: its share of measured orders per period."""
    figure = go.Figure()
    for name, rows in frame.groupby("failure_cause", sort=False):
        figure.add_trace(
            go.Scatter(
                x=rows["period_start"],
                y=rows["share"].tolist(),
                name=_cause_label(name),
                mode="lines+markers",
                hovertemplate="%{y:.2%}",
            )
        )
    _base_layout(figure, title, "share of measured orders")
    figure.update_yaxes(tickformat=".1%", rangemode="tozero")
    figure.update_xaxes(hoverformat="%Y-%m-%d")
    periods = sorted(frame["period_start"].unique())
    if len(periods) <= MAX_PERIOD_TICKS:
        figure.update_xaxes(tickmode="array", tickvals=periods, tickformat=period_tick_format)
    return figure


AGE_BUCKETS = ("0-2", "3-5", "6-7", "8-20", "21+")


def open_orders_by_age(frame: pd.DataFrame) -> go.Figure:
    """Open orders per age bucket (days since ordered), stacked by open status."""
    figure = go.Figure()
    for status, rows in frame.groupby("open_status", sort=True):
        figure.add_trace(
            go.Bar(
                x=rows["age_bucket"],
                y=rows["open_orders"].tolist(),
                name=status.replace("_", " "),
                hovertemplate="%{y:,} orders",
            )
        )
    _base_layout(figure, "Open orders by age (days since ordered)", "open orders")
    figure.update_layout(barmode="stack")
    figure.update_xaxes(categoryorder="array", categoryarray=list(AGE_BUCKETS), title="age in days")
    return figure


def return_rate_trend(frame: pd.DataFrame) -> go.Figure:
    figure = go.Figure(
        go.Scatter(
            x=frame["delivery_date"],
            y=frame["return_rate"].tolist(),
            name="Return rate",
            mode="lines+markers",
            customdata=frame[["orders_returned", "orders_delivered"]],
            hovertemplate="%{y:.2%} (%{customdata[0]:,} of %{customdata[1]:,} delivered orders)<extra></extra>",
        )
    )
    _base_layout(figure, "Return rate by delivery date", "orders with a return")
    figure.update_layout(showlegend=False, hovermode="closest")
    figure.update_yaxes(tickformat=".1%", rangemode="tozero")
    return figure


def return_reasons(frame: pd.DataFrame) -> go.Figure:
    """Units returned per reason, with the refunds in the hover."""
    figure = go.Figure(
        go.Bar(
            x=frame["reason_code"],
            y=frame["units_returned"].tolist(),
            name="Units returned",
            customdata=frame[["return_lines", "refund_amount"]],
            hovertemplate="%{x}: %{y:,} units, %{customdata[0]:,} lines, refunds %{customdata[1]:,.2f}"
            "<extra></extra>",
        )
    )
    _base_layout(figure, "Units returned by reason", "units")
    figure.update_layout(showlegend=False, hovermode="closest")
    return figure


TIMELINE_SOURCES = ("oms", "wms", "carrier", "billing", "returns")


def order_timeline(frame: pd.DataFrame, order_id: str) -> go.Figure:
    """Every event of one order on a time axis, one row per source system."""
    figure = go.Figure()
    for source in TIMELINE_SOURCES:
        rows = frame[frame["event_source"] == source]
        if rows.empty:
            continue
        figure.add_trace(
            go.Scatter(
                x=rows["event_at"],
                y=[source] * len(rows),
                name=source,
                mode="markers",
                marker={"size": 11},
                text=rows["event_type"],
                customdata=rows[["detail"]].fillna(""),
                hovertemplate="%{x|%Y-%m-%d %H:%M} %{text}<br>%{customdata[0]}<extra></extra>",
            )
        )
    _base_layout(figure, f"Timeline of order {order_id} (UTC)", "")
    figure.update_layout(showlegend=False, hovermode="closest", height=280)
    figure.update_yaxes(categoryorder="array", categoryarray=list(reversed(TIMELINE_SOURCES)))
    return figure


SUSPECT_FILL = "rgba(255, 165, 0, 0.18)"
SUSPECT_LABEL_SLICES = 3


def mark_suspect_days(figure: go.Figure, suspect: pd.DataFrame, period_days: int = 1) -> go.Figure:
    """Shade the days whose data failed a data check (rows of `suspect_days`), labelled with the
    slices concerned, so that a broken feed is not read as the operation failing.

    Consecutive days are shaded as one band. On a chart of periods (x = the period's first day),
    `period_days` widens each band to the periods the days fall in.
    """
    if suspect.empty:
        return figure
    days = suspect.assign(day=pd.to_datetime(suspect["day"]).dt.normalize())
    runs: list[tuple[pd.Timestamp, pd.Timestamp, list[str]]] = []
    for day, rows in days.groupby("day", sort=True):
        slices = sorted(
            {
                f"{d} {v}" if d != "all" else "all"
                for d, v in zip(rows["slice_dimension"], rows["slice_value"], strict=True)
            }
        )
        if runs and (day - runs[-1][1]).days <= 1:
            start, _, previous = runs[-1]
            runs[-1] = (start, day, sorted(set(previous) | set(slices)))
        else:
            runs.append((day, day, slices))
    half = pd.Timedelta(hours=12)
    for start, end, slices in runs:
        shown = ", ".join(slices[:SUSPECT_LABEL_SLICES]) + (
            " ..." if len(slices) > SUSPECT_LABEL_SLICES else ""
        )
        figure.add_vrect(
            x0=start - half - pd.Timedelta(days=period_days - 1),
            x1=end + half,
            fillcolor=SUSPECT_FILL,
            line_width=0,
            layer="below",
            label={"text": f"suspect data: {shown}", "textposition": "top left", "font": {"size": 10}},
        )
    return figure
