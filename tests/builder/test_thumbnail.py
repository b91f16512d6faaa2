"""Thumbnail colours: the builder reads rio-tiler's colour tables itself; they must be rio-tiler's."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from PIL import Image
from rasterio.transform import from_origin
from rio_tiler.colormap import cmap

from mpa_builder.convert.thumbnail import colormap_lut, thumbnail
from mpa_builder.errors import BuildError


@pytest.mark.parametrize("name", ["viridis", "deep_r", "gray", "ocean_r", "haline", "terrain"])
def test_colour_tables_are_rio_tilers(name):
    reference = np.array([cmap.get(name)[i][:3] for i in range(256)], dtype="uint8")
    assert np.array_equal(colormap_lut(name), reference)


@pytest.mark.parametrize("name", ["no-such-map", "../../etc/passwd", "viridis.npy", ""])
def test_unknown_colormap_is_a_clear_error(name):
    with pytest.raises(BuildError, match="is not a known colour map"):
        colormap_lut(name)


def test_thumbnail_uses_the_named_colormap(tmp_path):
    ramp = np.tile(np.linspace(-100, -50, 512, dtype="float32"), (512, 1))
    src = tmp_path / "ramp.tif"
    with rasterio.open(src, "w", driver="GTiff", width=512, height=512, count=1, dtype="float32",
                       crs="EPSG:32629", transform=from_origin(0, 512, 1, 1), nodata=-9999) as dst:
        dst.write(ramp, 1)
    out = tmp_path / "thumb.png"
    thumbnail(src, out, colormap="deep_r", rescale=(-100, -50))
    rgba = np.asarray(Image.open(out))
    lut = colormap_lut("deep_r")
    assert rgba.shape == (256, 256, 4) and (rgba[..., 3] == 255).all()
    assert tuple(rgba[128, 0, :3]) == tuple(lut[0]) and tuple(rgba[128, -1, :3]) == tuple(lut[254])
