"""Order Pulse: order analytics and KPI pipeline."""
