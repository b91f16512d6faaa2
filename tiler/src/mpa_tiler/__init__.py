"""MPA Twin tiler: titiler factories composed over the STAC catalogue, access-aware."""

__version__ = "0.2.0"
