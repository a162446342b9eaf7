"""ioguide: image-guided, locoregional immunotherapy (response criteria, toxicity, planning, records)."""

__version__ = "0.1.0"
