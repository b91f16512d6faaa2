"""Loaders for the published example data sets in shared/refdata (see its README.md for sources)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

REFDATA = Path(__file__).resolve().parents[3].parent / "shared" / "refdata"


def spider(assemblage: str) -> np.ndarray:
    """iNEXT data(spider): abundances of one assemblage ('Girdled' or 'Logged')."""
    frame = pd.read_csv(REFDATA / "inext_spider_abundance.csv")
    return frame.loc[frame["assemblage"] == assemblage, "abundance"].to_numpy()


def bird(site: str) -> np.ndarray:
    """iNEXT data(bird): abundances at 'North.site' or 'South.site'."""
    frame = pd.read_csv(REFDATA / "inext_bird_abundance.csv")
    return frame[site].to_numpy()


def bci() -> np.ndarray:
    """vegan data(BCI): 50 plots × 225 tree species."""
    return pd.read_csv(REFDATA / "vegan_BCI.csv").drop(columns=["site"]).to_numpy()


def toy_units() -> pd.DataFrame:
    return pd.read_csv(REFDATA / "toy_sample_units_constructed.csv")


def ant(assemblage: str) -> tuple[int, np.ndarray]:
    """iNEXT data(ant): (number of sampling units T, incidence frequencies) of one elevation."""
    frame = pd.read_csv(REFDATA / "inext_ant_incidence_freq.csv")
    values = frame.loc[frame["assemblage"] == assemblage].sort_values("position")["value"].to_numpy()
    return int(values[0]), values[1:]
