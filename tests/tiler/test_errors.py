"""Bad requests get a 4xx that says what was wrong — never a 5xx, never data from outside the catalogue."""

from __future__ import annotations

import pytest

B = "/tiles/collections/hf2012-bathymetry/items/hf2012-bathy-tile1"
T = f"{B}/tiles/WebMercatorQuad"
OK = f"{T}/14/7823/5534.png"  # inside the data
V = "/tiles/collections/habitat-map/items/habitat-map/vector"

BAD_GETS = {
    "zoom too deep": f"{T}/99/1/1.png",
    "negative zoom": f"{T}/-1/0/0.png",
    "x beyond the matrix": f"{T}/3/99999/1.png",
    "negative y": f"{T}/14/7823/-5.png",
    "non-integer y": f"{T}/14/7823/abc.png",
    "tile outside data": f"{T}/3/1/1.png",
    "unknown format": f"{T}/14/7823/5534.gif",
    "unknown tms": f"{B}/tiles/NoSuchTMS/1/1/1.png",
    "unknown collection": "/tiles/collections/nope/items/hf2012-bathy-tile1/info",
    "unknown item": "/tiles/collections/hf2012-bathymetry/items/nope/info",
    "traversal in id": "/tiles/collections/..%2F..%2Fetc/items/passwd/info",
    "very long id": f"/tiles/collections/{'x' * 5000}/items/a/info",
    "unknown asset": f"{OK}?assets=nope",
    "zero tilesize": f"{OK}?tilesize=0",
    "absurd tilesize": f"{OK}?tilesize=100000",
    "tilesize not a number": f"{OK}?tilesize=big",
    "absurd buffer": f"{OK}?buffer=1000000",
    "absurd preview": f"{B}/preview/99999x99999.png",
    "absurd max_size": f"{B}/preview.png?max_size=100000000",
    "absurd bbox size": f"{B}/bbox/-8.08,50.30,-8.07,50.31/50000x50000.png",
    "unknown colormap": f"{OK}?colormap_name=nope",
    "colormap not json": f"{OK}?colormap={{bad",
    "colormap wrong shape": f"{OK}?colormap=[[1]]",
    "rescale not numbers": f"{OK}?rescale=a,b",
    "rescale one number": f"{OK}?rescale=1",
    "rescale three numbers": f"{OK}?rescale=1,2,3",
    "expression code": f"{OK}?expression=__import__('os')",
    "expression unknown band": f"{OK}?expression=b9*2",
    "expression syntax": f"{OK}?expression=b1%2B",
    "unknown algorithm": f"{OK}?algorithm=nope",
    "algorithm params not json": f"{OK}?algorithm=hillshade&algorithm_params={{x",
    "algorithm params wrong": f"{OK}?algorithm=hillshade&algorithm_params=%7B%22azimuth%22%3A%22x%22%7D",
    "nodata not a number": f"{OK}?nodata=deep",
    "unknown resampling": f"{OK}?resampling=magic",
    "inverted bbox": f"{B}/bbox/-8.07,50.31,-8.08,50.30.png",
    "nan bbox": f"{B}/bbox/nan,50.30,-8.07,50.31.png",
    "point off the earth": f"{B}/point/999,999",
    "point not numbers": f"{B}/point/abc,def",
    "point outside data": f"{B}/point/0,0",
    "stock titiler url=": f"{OK}?url=/etc/passwd",
    "url= on info": f"{B}/info?url=file:///etc/passwd",
    "vector zoom too deep": f"{V}/99/0/0.mvt",
    "vector x beyond": f"{V}/3/8/0.mvt",
    "vector on a raster": f"{B}/vector/14/7823/5534.mvt",
    "raster on a vector": "/tiles/collections/habitat-map/items/habitat-map/tiles/WebMercatorQuad/14/7823/5534.png",
    "legend unknown colormap": "/tiles/legend?colormap_name=nope&rescale=0,1",
    "legend bad rescale": "/tiles/legend?colormap_name=deep&rescale=1,1",
    "legend rescale text": "/tiles/legend?colormap_name=deep&rescale=a,b",
    "legend absurd width": "/tiles/legend?colormap_name=deep&rescale=0,1&width=100000",
    "statistics bad percentile": f"{B}/statistics?p=abc",
    "statistics bad bins": f"{B}/statistics?histogram_bins=-3",
    "tilejson bad zoom": f"{B}/WebMercatorQuad/tilejson.json?minzoom=abc",
}


@pytest.mark.parametrize("url", BAD_GETS.values(), ids=BAD_GETS.keys())
def test_bad_requests_are_4xx(client, url):
    r = client.get(url)
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert "root:" not in r.text  # nothing from /etc/passwd, ever


BAD_FEATURES = {
    "not json": b"{nope",
    "not a feature": b'{"type": "Point"}',
    "polygon without coordinates": b'{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon"}}',
    "ring too short": b'{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1]]]}}',
}


@pytest.mark.parametrize("body", BAD_FEATURES.values(), ids=BAD_FEATURES.keys())
def test_bad_features_are_4xx(client, body):
    r = client.post(f"{B}/feature.png", content=body, headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])


def test_the_good_request_next_to_them_works(client):
    assert client.get(OK).status_code == 200


def test_stock_titiler_reads_any_file_by_url_ours_does_not(client, catalogue, tmp_path):
    """Why there is no url= here: stock titiler opens whatever path or URL the caller names."""
    import shutil

    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from titiler.core.factory import TilerFactory

    private = tmp_path / "not-in-the-catalogue.tif"
    shutil.copyfile(catalogue.bathy_cog, private)
    stock = FastAPI()
    stock.include_router(TilerFactory().router, prefix="/cog")
    leaked = TestClient(stock).get("/cog/point/-8.075,50.305", params={"url": str(private)})
    assert leaked.status_code == 200 and leaked.json()["values"][0] < -50  # stock titiler: file read
    for path in (f"{B}/point/-8.075,50.305", f"{B}/info", f"{B}/tiles/WebMercatorQuad/14/7823/5534.png"):
        r = client.get(path, params={"url": str(private)})
        assert r.status_code == 400 and "url=" in r.json()["detail"]
