"""What the latest run loaded, what it quarantined and which expectations failed."""

import streamlit as st

from dashboards import queries, ui

st.title("Data quality")
warehouse = ui.warehouse_or_stop()
info = ui.fetch(queries.run_info, warehouse)
st.markdown(ui.as_of_caption(info))
if not info.empty:
    run = info.iloc[0]
    columns = st.columns(3)
    columns[0].metric("Files loaded", f"{int(run['files_loaded']):,}")
    columns[1].metric("Rows loaded", f"{int(run['rows_loaded']):,}")
    columns[2].metric("Rows quarantined", f"{int(run['rows_quarantined']):,}")

st.subheader("Data checks across entities and time")
st.caption(
    "Feeds that are wrong as a whole while every row is valid: implausible sequences across entities, "
    "rows still orphaned after the grace period, days whose volume or mix falls far below the same weekday "
    "of the trailing weeks. Severity and thresholds: expectations/data_checks.toml (ORDERPULSE_DATA_CHECKS)."
)
checks = ui.fetch(queries.latest_data_checks, warehouse)
if checks.empty:
    st.info("No data check results yet (the warehouse was published before the data checks existed).")
else:
    overall = checks[checks["slice_dimension"] == "all"]
    failed_slices = checks[(checks["slice_dimension"] != "all") & ~checks["passed"]]
    failed_checks = overall[~overall["passed"]]
    summary = (
        f"{len(failed_checks)} of {len(overall)} data checks failed "
        f"({int((failed_checks['severity'] == 'block').sum())} blocking), on {len(failed_slices)} slice(s)."
    )
    if failed_checks.empty:
        st.success(summary)
    else:
        show = st.error if (failed_checks["severity"] == "block").any() else st.warning
        show(summary)
        st.dataframe(
            failed_slices[
                [
                    "severity",
                    "check_name",
                    "slice_dimension",
                    "slice_value",
                    "affected_share",
                    "example_keys",
                    "details",
                ]
            ],
            hide_index=True,
            column_config={
                "affected_share": st.column_config.NumberColumn("Share affected", format="percent"),
                "slice_dimension": "Slice",
                "slice_value": "Value",
            },
        )
    with st.expander("Every data check of the latest run"):
        st.dataframe(
            overall[
                ["passed", "severity", "suite", "check_name", "unexpected_count", "element_count", "details"]
            ],
            hide_index=True,
            column_config={"passed": st.column_config.CheckboxColumn("Passed")},
        )
suspect = ui.fetch(queries.suspect_days, warehouse)
if not suspect.empty:
    st.markdown("**Suspect days**: KPIs of these days and slices may show a broken feed, not the operation.")
    st.dataframe(suspect, hide_index=True, column_config={"day": st.column_config.DateColumn("Day")})

st.subheader("Expectations of the latest run")
results = ui.fetch(queries.latest_quality_results, warehouse)
if results.empty:
    st.info("No rows in data_quality_results yet.")
else:
    failed = results[~results["passed"]]
    blocking = int(failed["blocking"].sum())
    summary = (
        f"{len(failed)} of {len(results)} expectations failed ({blocking} blocking) "
        f"in run `{results['run_id'].iloc[0]}`."
    )
    if failed.empty:
        st.success(summary)
    else:
        st.warning(summary)
    st.dataframe(
        results,
        hide_index=True,
        column_config={
            "passed": st.column_config.CheckboxColumn("Passed"),
            "blocking": st.column_config.CheckboxColumn("Blocking"),
            "checked_at": st.column_config.DatetimeColumn("Checked at (UTC)"),
        },
    )

st.subheader("Load ledger")
ledger = ui.fetch(queries.load_ledger, warehouse)
if ledger.empty:
    st.info("No rows in load_ledger yet.")
else:
    st.caption("Rows landed = rows loaded + rows quarantined, per file.")
    st.dataframe(
        ledger,
        hide_index=True,
        column_config={"loaded_at": st.column_config.DatetimeColumn("Loaded at (UTC)")},
    )

st.subheader("Quarantined rows")
limit = st.number_input(
    "Latest rows to show", min_value=10, max_value=10_000, value=100, step=10, key="dq_limit"
)
quarantined = ui.fetch(queries.quarantined_rows, warehouse, int(limit))
if quarantined.empty:
    st.info("No rows in quarantined_rows: nothing was quarantined.")
else:
    st.dataframe(
        quarantined,
        hide_index=True,
        column_config={
            "quarantined_at": st.column_config.DatetimeColumn("Quarantined at (UTC)"),
            "raw_values": st.column_config.TextColumn("Raw values (JSON)", width="large"),
        },
    )
