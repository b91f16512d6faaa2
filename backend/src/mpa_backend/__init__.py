"""MPA Twin backend: catalogue view, STAC API, statistics, power planning, sign-in and grants."""

__version__ = "0.1.0"
