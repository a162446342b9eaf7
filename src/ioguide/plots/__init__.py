"""Figures: waterfall, spider, swimmer and exposure plots (matplotlib, Agg backend, PNG/SVG)."""
