"""The executive report: one self-contained HTML page per week or month, and its PDF."""
