"""Versioned publishing on a local folder and on real S3: idempotent, incremental, rollback."""

from __future__ import annotations

import json
import shutil

import pytest

from mpa_builder.errors import PublishError
from mpa_builder.pipeline import publish_batches
from mpa_builder.publish import current_state, list_versions, rollback
from mpa_builder.stac_check import check_store
from mpa_builder.store import Store


def _all_objects(store: Store) -> dict[str, int]:
    found = store.fs.find(store.root, detail=True)
    base = store.root + "/"
    return {k[len(base):]: v["size"] for k, v in found.items()}


def _collection_docs(store: Store) -> dict[str, tuple[str, bytes]]:
    """collection id -> (href, collection.json bytes), following links from the root like a reader."""
    root = json.loads(store.read_bytes("catalog.json"))
    return {li["href"].split("/")[-3]: (li["href"], store.read_bytes(li["href"][2:]))
            for li in root["links"] if li["rel"] == "child"}


def test_publish_is_idempotent_incremental_and_rollback_restores(full_batch, raster_batch, tmp_path, store_url):
    store = Store(store_url)
    r1 = publish_batches([full_batch], store)
    assert r1.version == 1 and [b.survey for b in r1.published] == ["hf2012-auv"]
    root_v1 = store.read_bytes("catalog.json")
    assert json.loads(root_v1)["mpa:version"] == 1
    objects_v1 = _all_objects(store)

    # the same batch again: nothing is built, nothing is written
    r2 = publish_batches([full_batch], store)
    assert r2.version == 1 and r2.published == [] and r2.unchanged == ["hf2012-auv"]
    assert store.read_bytes("catalog.json") == root_v1
    assert _all_objects(store) == objects_v1

    # a new batch is added; the published collections are reused as they are
    before = _collection_docs(store)
    r3 = publish_batches([full_batch, raster_batch], store)
    assert r3.version == 2 and [b.survey for b in r3.published] == ["hf2015-mbes"] and r3.unchanged == ["hf2012-auv"]
    after = _collection_docs(store)
    assert set(after) == set(before) | {"hf2015-mbes-bathymetry"}
    assert all(after[k] == before[k] for k in before)
    assert check_store(store, checksums=True) == []

    # a changed batch replaces only its own collections
    changed = tmp_path / "hf2012-auv"
    shutil.copytree(full_batch, changed)
    csv = changed / "annotations.csv"
    lines = csv.read_text().splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",9"
    csv.write_text("\n".join(lines) + "\n")
    r4 = publish_batches([changed], store)
    assert r4.version == 3
    v3 = _collection_docs(store)
    assert v3["hf2015-mbes-bathymetry"] == after["hf2015-mbes-bathymetry"]
    # the whole changed batch is described again, but unchanged files are not stored twice
    bathy_items = [k for k in _all_objects(store) if "hf2012-auv-bathymetry" in k and "/items/" in k]
    assets = {json.loads(store.read_bytes(k))["assets"]["data"]["href"] for k in bathy_items}
    assert len(bathy_items) == 2 and len(assets) == 1
    assert v3["hf2012-auv-annotations"][0] != after["hf2012-auv-annotations"][0]  # new content, new path

    # rollback: the root is byte for byte what it was, and the catalogue is whole
    state = rollback(store, 1)
    assert state.version == 1 and store.read_bytes("catalog.json") == root_v1
    assert check_store(store) == []
    assert current_state(store).batches == {"hf2012-auv": r1.published[0].batch_sha256}
    assert [v["version"] for v in list_versions(store)] == [1, 2, 3]
    # history is never overwritten: the next publish after a rollback is a new number
    r5 = publish_batches([raster_batch], store)
    assert r5.version == 4 and len(list_versions(store)) == 4
    with pytest.raises(PublishError, match="no version 9"):
        rollback(store, 9)


def test_a_publish_overtaken_by_another_changes_nothing(full_batch, raster_batch, tmp_path):
    """Two publishers: the one that finishes second must not drop the first one's batch."""
    from mpa_builder.build import build
    from mpa_builder.publish import publish

    store = Store(str(tmp_path / "store"))
    slow = build(full_batch, tmp_path / "slow")

    class Racing(Store):
        """Another publisher completes while this one is still uploading assets."""

        raced = False

        def put_file(self, local, key):
            if not Racing.raced:
                Racing.raced = True
                publish_batches([raster_batch], Store(self.url))
            super().put_file(local, key)

    with pytest.raises(PublishError, match="another publish made version 1"):
        publish(Racing(store.url), [slow])
    assert current_state(store).batches.keys() == {"hf2015-mbes"}
    assert [v["version"] for v in list_versions(store)] == [1]
    assert check_store(store) == []
    # run again, it now builds on the other publisher's version
    assert publish(store, [slow]).version == 2 and current_state(store).batches.keys() == {"hf2015-mbes", "hf2012-auv"}
