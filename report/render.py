"""The report as one self-contained HTML page: plotly.js inline, no fonts, images or scripts fetched."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import jinja2
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from dashboards import charts, kpis
from report.data import FAILURE_CAUSES, ReportData

TEMPLATE_DIR = Path(__file__).parent
# Wide enough for an A4 page in portrait with its margins (the PDF), fixed so print and screen agree.
CHART_WIDTH, CHART_HEIGHT = 680, 260
# Neither the mode bar nor its plotly.com logo link belongs on a printed report.
PLOTLY_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": False}
# The pseudo-value of orders that never shipped: not a warehouse or carrier to rank.
UNSHIPPED = "unshipped"
CAUSE_LABELS = {
    "not_shipped": "Not shipped",
    "short_shipped": "Short shipped",
    "late_from_warehouse": "Late from the warehouse",
    "late_in_transit": "Late in transit",
    "damaged": "Damaged",
    "inaccurate": "Inaccurate",
    "not_shipped_complete": "Not shipped complete",
    "not_delivered_on_time": "Not delivered on time",
    "not_shipped_on_time": "Not shipped on time",
}
OTIF_COLOR, PERFECT_COLOR = "#1f77b4", "#2ca02c"
# Active alerts listed in the report; the rest are counted (all are in the `alerts` table).
MAX_ALERTS_LISTED = 5
PERIOD_WORDS = {"week": ("Weekly", "week"), "month": ("Monthly", "month")}


def render_html(data: ReportData, generated_at: dt.datetime) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    template = environment.get_template("template.html.j2")
    adjective, noun = PERIOD_WORDS[data.grain]
    headline = headline_rows(data)
    return template.render(
        title=f"Order Pulse · {adjective} executive report · {noun} {data.period_start} to {data.period_end}",
        adjective=adjective,
        noun=noun,
        data=data,
        period=_period_label(data.current),
        previous_period=_period_label(data.previous) if data.previous is not None else None,
        as_of=pd.Timestamp(data.run_info["as_of_date"]).date(),
        published_at=pd.Timestamp(data.run_info["published_at"]).strftime("%Y-%m-%d %H:%M"),
        generated_at=generated_at.strftime("%Y-%m-%d %H:%M"),
        orders_measured=int(data.current["orders_measured"]),
        summary=summary_sentences(data),
        headline=headline,
        causes=cause_rows(data),
        movers=mover_rows(data),
        worst=worst_slices(data),
        backlog=backlog_summary(data),
        quality=quality_summary(data),
        alerts=None if data.alerts is None else data.alerts["description"].head(MAX_ALERTS_LISTED).tolist(),
        alerts_total=0 if data.alerts is None else len(data.alerts),
        plotly_js=get_plotlyjs(),
        charts={
            "trend": _figure_html(trend_figure(data)),
            "causes": _figure_html(causes_figure(data, noun)),
            "backlog": _figure_html(backlog_figure(data)),
        },
    )


def _period_label(row: pd.Series) -> str:
    return f"{pd.Timestamp(row['period_start']).date()} to {pd.Timestamp(row['period_end']).date()}"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def headline_rows(data: ReportData) -> list[dict]:
    rows = []
    for kpi in kpis.SCORECARD_KPIS:
        value = data.current[kpi.column]
        previous = None if data.previous is None else data.previous[kpi.column]
        change = kpis.displayed_change(kpi, value, previous)
        row = {
            "column": kpi.column,
            "label": kpi.label,
            "value": kpis.format_value(kpi, value),
            "previous": kpis.format_value(kpi, previous),
            "change": kpis.format_delta(kpi, value, previous) or "—",
            "trend": _direction(kpi, change),
            "benchmark": "",
            "gap": "",
            "status": "",
        }
        if kpi.benchmark is not None and not _missing(value):
            gap = (value - kpi.benchmark.value) * 100
            row["benchmark"] = kpi.benchmark.label
            row["gap"] = f"{gap:+.2f} pp"
            row["status"] = "meets" if value >= kpi.benchmark.value else "misses"
        rows.append(row)
    return rows


def _direction(kpi: kpis.Kpi, change: float | None) -> str:
    if change is None or change == 0:
        return "flat"
    better = change > 0 if kpi.higher_is_better else change < 0
    return "better" if better else "worse"


def summary_sentences(data: ReportData) -> list[str]:
    current, previous = data.current, data.previous
    sentences = []
    for kpi in (kpis.PERFECT_ORDER_RATE, kpis.OTIF_RATE):
        value = current[kpi.column]
        text = f"{kpi.label} {kpis.format_value(kpi, value)}"
        delta = None if previous is None else kpis.format_delta(kpi, value, previous[kpi.column])
        if delta:
            text += f" ({delta} on the previous {data.grain})"
        if kpi.benchmark is not None:
            text += f", against the {kpi.benchmark.label}"
        sentences.append(text + ".")
    top = data.failure_causes.dropna(subset=["orders"])
    top = top[top["orders"] > 0]
    if not top.empty:
        first = top.iloc[0]
        sentences.append(
            f"Most frequent failure: {CAUSE_LABELS.get(first['cause'], first['cause']).lower()}, "
            f"{int(first['orders']):,} orders ({first['share']:.1%} of measured orders)."
        )
    for dimension, slice_row in worst_slices(data).items():
        if slice_row:
            sentences.append(
                f"Worst {dimension}: {slice_row['name']}, perfect order rate {slice_row['perfect']} "
                f"over {slice_row['orders']} orders."
            )
    backlog = backlog_summary(data)
    sentences.append(
        f"{backlog['total']:,} orders open at the as-of date, {backlog['older_than_week']:,} of them "
        "older than 7 days."
    )
    return sentences


def cause_rows(data: ReportData) -> list[dict]:
    rows = []
    for _, cause in data.failure_causes.iterrows():
        rows.append(
            {
                "cause": cause["cause"],
                "label": CAUSE_LABELS.get(cause["cause"], cause["cause"]),
                "orders": _count(cause["orders"]),
                "share": _share(cause["share"]),
                "previous_orders": _count(cause["previous_orders"]),
                "previous_share": _share(cause["previous_share"]),
                "change": "—" if _missing(cause["change"]) else f"{cause['change'] * 100:+.2f} pp",
                "trend": "flat"
                if _missing(cause["change"]) or round(cause["change"] * 100, 2) == 0
                else ("worse" if cause["change"] > 0 else "better"),
            }
        )
    return rows


def mover_rows(data: ReportData, limit: int = 6) -> list[dict]:
    rows = []
    for _, mover in data.exception_movers.head(limit).iterrows():
        change = mover["change"]
        rows.append(
            {
                "type": mover["exception_type"],
                "current": _count(mover["current"]),
                "previous": _count(mover["previous"]),
                "change": "—" if _missing(change) else f"{int(change):+,}",
                "trend": "flat" if _missing(change) or change == 0 else ("worse" if change > 0 else "better"),
            }
        )
    return rows


def worst_slices(data: ReportData) -> dict[str, dict | None]:
    """Per dimension, the warehouse or carrier with the lowest perfect order rate in the period."""
    start = pd.Timestamp(data.current["period_start"])
    worst: dict[str, dict | None] = {}
    for dimension in ("warehouse", "carrier"):
        rows = data.slices[
            (data.slices["dimension"] == dimension)
            & (pd.to_datetime(data.slices["period_start"]) == start)
            & (data.slices["dimension_value"] != UNSHIPPED)
            & data.slices["perfect_order_rate"].notna()
        ]
        if rows.empty:
            worst[dimension] = None
            continue
        row = rows.sort_values(
            ["perfect_order_rate", "orders_measured", "dimension_value"], ascending=[True, False, True]
        ).iloc[0]
        before = data.slices[
            (data.slices["dimension"] == dimension)
            & (data.slices["dimension_value"] == row["dimension_value"])
            & (pd.to_datetime(data.slices["period_start"]) != start)
        ]
        previous_rate = None if before.empty else before.iloc[0]["perfect_order_rate"]
        worst[dimension] = {
            "name": row["dimension_value"],
            "orders": f"{int(row['orders_measured']):,}",
            "perfect": kpis.format_value(kpis.PERFECT_ORDER_RATE, row["perfect_order_rate"]),
            "otif": kpis.format_value(kpis.OTIF_RATE, row["otif_rate"]),
            "fill": kpis.format_value(kpis.ORDER_FILL_RATE, row["order_fill_rate"]),
            "change": kpis.format_delta(kpis.PERFECT_ORDER_RATE, row["perfect_order_rate"], previous_rate)
            or "—",
            "others": len(rows) - 1,
            "top_cause": _top_cause(data, dimension, row["dimension_value"]),
        }
    return worst


def _top_cause(data: ReportData, dimension: str, value: str) -> str | None:
    """'late in transit, 23 orders': the most frequent failure cause of one warehouse or carrier."""
    if data.slice_causes is None:
        return None
    rows = data.slice_causes[
        (data.slice_causes["dimension"] == dimension) & (data.slice_causes["dimension_value"] == value)
    ]
    if rows.empty:
        return None
    counts = {cause: rows.iloc[0][f"cause_{cause}_orders"] for cause in FAILURE_CAUSES}
    cause = max(FAILURE_CAUSES, key=lambda name: (counts[name], -FAILURE_CAUSES.index(name)))
    if not counts[cause]:
        return None
    return f"{CAUSE_LABELS[cause].lower()}, {int(counts[cause]):,} orders"


def backlog_summary(data: ReportData) -> dict:
    backlog = data.backlog
    older = backlog[backlog["age_bucket"].isin(["8-20", "21+"])]["open_orders"].sum()
    return {
        "buckets": [(row["age_bucket"], int(row["open_orders"])) for _, row in backlog.iterrows()],
        "total": int(backlog["open_orders"].sum()),
        "older_than_week": int(older),
    }


def quality_summary(data: ReportData) -> dict:
    info, quality, ledger = data.run_info, data.quality, data.ledger
    failed = quality[~quality["passed"].astype(bool)] if not quality.empty else quality
    blocking = failed[failed["blocking"].astype(bool)] if not failed.empty else failed
    return {
        "files_loaded": int(info["files_loaded"]),
        "rows_loaded": f"{int(info['rows_loaded']):,}",
        "rows_quarantined": f"{int(info['rows_quarantined']):,}",
        "ledger": [
            {
                "status": row["status"],
                "files": int(row["files"]),
                "rows_loaded": f"{int(row['rows_loaded']):,}",
                "rows_quarantined": f"{int(row['rows_quarantined']):,}",
            }
            for _, row in ledger.iterrows()
        ],
        "expectations": len(quality),
        "failed": [
            {
                "entity": row["entity"],
                "expectation": row["expectation"],
                "column": row["column_name"] or "",
                "blocking": bool(row["blocking"]),
                "unexpected": _count(row["unexpected_count"]),
            }
            for _, row in failed.head(10).iterrows()
        ],
        "failed_count": len(failed),
        "blocking_count": len(blocking),
        "state": "clean" if failed.empty else ("blocked" if not blocking.empty else "warnings"),
        "suspect": [
            {
                "day": pd.Timestamp(row["day"]).date().isoformat(),
                "slice": "all"
                if row["slice_dimension"] == "all"
                else f"{row['slice_dimension']} {row['slice_value']}",
                "check": row["check_name"],
                "reason": row["reason"],
            }
            for _, row in data.suspect.head(20).iterrows()
        ],
        "suspect_count": len(data.suspect),
    }


def _count(value) -> str:
    return "—" if _missing(value) else f"{int(value):,}"


def _share(value) -> str:
    return "—" if _missing(value) else f"{value:.2%}"


# ---------- figures


def _sized(figure: go.Figure, height: int = CHART_HEIGHT) -> go.Figure:
    figure.update_layout(
        width=CHART_WIDTH,
        height=height,
        margin={"l": 70, "r": 20, "t": 40, "b": 40},
        paper_bgcolor="white",
        plot_bgcolor="white",
        font={"family": "Helvetica, Arial, sans-serif", "size": 11},
    )
    figure.update_xaxes(showgrid=False, linecolor="#999", automargin=True)
    figure.update_yaxes(gridcolor="#e5e5e5", automargin=True)
    return figure


def _figure_html(figure: go.Figure) -> str:
    # plotly.js is in the page's head once; each figure is a div and a call to it.
    return figure.to_html(full_html=False, include_plotlyjs=False, config=PLOTLY_CONFIG)


def trend_figure(data: ReportData) -> go.Figure:
    frame = data.trend.copy()
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    tick = "%b %d" if data.grain == "week" else "%b %Y"
    figure = charts.rate_trend(
        frame, kpis.OTIF_RATE, x="period_start", title="OTIF and perfect order rate", period_tick_format=tick
    )
    figure.add_trace(
        go.Scatter(
            x=frame["period_start"],
            y=frame["perfect_order_rate"],
            name=kpis.PERFECT_ORDER_RATE.label,
            mode="lines+markers",
        )
    )
    figure.data[0].name = kpis.OTIF_RATE.label
    figure.data[0].line.color, figure.data[1].line.color = OTIF_COLOR, PERFECT_COLOR
    figure.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.15, "x": 0})
    values = pd.concat([frame["otif_rate"], frame["perfect_order_rate"]]).dropna()
    low = min([*values.tolist(), kpis.OTIF_RATE.benchmark.value])
    # Headroom above 100% for the benchmark's label.
    figure.update_yaxes(range=[max(low - 0.05, 0), 1.05], tickformat=".0%")
    return _sized(figure, height=300)


def causes_figure(data: ReportData, noun: str) -> go.Figure:
    causes = data.failure_causes.iloc[::-1]  # plotly draws horizontal bars bottom-up
    labels = [CAUSE_LABELS.get(cause, cause) for cause in causes["cause"]]
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            y=labels,
            x=causes["previous_share"],
            name=f"Previous {noun}",
            orientation="h",
            marker_color="#bbb",
        )
    )
    figure.add_trace(
        go.Bar(y=labels, x=causes["share"], name=f"This {noun}", orientation="h", marker_color="#1f77b4")
    )
    figure.update_layout(
        title="Share of measured orders, by failure",
        barmode="group",
        legend={"orientation": "h", "y": -0.15, "x": 0},
    )
    figure.update_xaxes(tickformat=".0%")
    figure = _sized(figure)
    figure.update_yaxes(ticksuffix="  ")  # keep the cause names off the bars
    return figure


def backlog_figure(data: ReportData) -> go.Figure:
    figure = go.Figure(
        go.Bar(
            x=data.backlog["age_bucket"],
            y=data.backlog["open_orders"],
            text=data.backlog["open_orders"],
            textposition="outside",
            marker_color=["#1f77b4", "#1f77b4", "#ff7f0e", "#d62728", "#d62728"][: len(data.backlog)],
        )
    )
    figure.update_layout(title="Open orders by age (days since ordered)", showlegend=False)
    # Headroom for the count written above the tallest bar.
    figure.update_yaxes(range=[0, max(1, int(data.backlog["open_orders"].max())) * 1.25])
    return _sized(figure, height=240)
