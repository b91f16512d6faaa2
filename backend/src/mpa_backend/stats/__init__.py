"""Pure biodiversity statistics and survey power planning (numpy/pandas/scipy; no web code)."""
