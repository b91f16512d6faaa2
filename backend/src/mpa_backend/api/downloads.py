"""Asset downloads and thumbnails, behind the same access check as every other door.

Restricted assets live under a prefix that is never publicly readable; a granted caller gets a
short-lived presigned URL (S3) or the file streamed by the backend (local store). Each restricted
read is audit-logged. Callers name collection, item and asset key; the URL comes from the
catalogue, never from the request.
"""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlparse

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse, RedirectResponse, Response

from ..auth.deps import Principal, current_principal, ensure_can_read
from ..catalog import CollectionInfo, Snapshot, get_catalogue, get_collection
from ..settings import get_settings

router = APIRouter(prefix="/api", tags=["downloads"])


@lru_cache(maxsize=4)
def _s3_client(endpoint: str | None):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint,
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def presigned_url(url: str, filename: str) -> str:
    settings = get_settings()
    parsed = urlparse(url)
    client = _s3_client(settings.s3_public_endpoint_url or settings.s3_endpoint_url)
    return client.generate_presigned_url(
        "get_object",
        Params={"Bucket": parsed.netloc, "Key": parsed.path.lstrip("/"),
                "ResponseContentDisposition": f'attachment; filename="{filename}"'},
        ExpiresIn=settings.presign_ttl_s,
    )


def _serve(collection: CollectionInfo, item_id: str, key: str, principal: Principal | None,
           inline: bool = False) -> Response:
    ensure_can_read(principal, collection, door="download", item=item_id, asset=key)
    item = collection.items.get(item_id)
    if item is None:
        raise HTTPException(404, f"collection {collection.id!r} has no item {item_id!r}")
    asset = item.stac.get("assets", {}).get(key)
    if asset is None:
        raise HTTPException(404, f"item {item_id!r} of {collection.id!r} has no asset {key!r}")
    url = item.asset_url(key)
    suffix = Path(urlparse(url).path).suffix
    filename = f"{item_id}-{key}{suffix}"
    public = collection.access == "public"
    cache = "public, max-age=86400, immutable" if public else "private, no-store"
    scheme = urlparse(url).scheme
    if scheme == "s3":
        return RedirectResponse(presigned_url(url, filename), status_code=307, headers={"Cache-Control": "no-store"})
    if scheme in ("", "file"):
        path = Path(unquote(urlparse(url).path))
        if not path.is_file():
            raise HTTPException(404, f"asset {key!r} of item {item_id!r} is missing from the store")
        media = asset.get("type") or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return FileResponse(path, media_type=media.split(";")[0] if inline else media, headers={"Cache-Control": cache},
                            filename=None if inline else filename, content_disposition_type="attachment")
    if scheme in ("http", "https") and public:
        return RedirectResponse(url, status_code=307)
    raise HTTPException(502, f"asset {key!r} of item {item_id!r} is in a store this backend cannot serve ({scheme})")


@router.get("/collections/{collection_id}/items/{item_id}/assets/{key}")
def download_asset(collection_id: str, item_id: str, key: str, snapshot: Snapshot = Depends(get_catalogue),
                   principal: Principal | None = Depends(current_principal)) -> Response:
    """The asset itself: presigned redirect (S3) or the file; 401/403 for restricted data without a grant."""
    return _serve(get_collection(snapshot, collection_id), item_id, key, principal)


@router.get("/collections/{collection_id}/items/{item_id}/thumbnail")
def thumbnail(collection_id: str, item_id: str, snapshot: Snapshot = Depends(get_catalogue),
              principal: Principal | None = Depends(current_principal)) -> Response:
    """The item's thumbnail asset, shown inline (the gallery's <img src>)."""
    return _serve(get_collection(snapshot, collection_id), item_id, "thumbnail", principal, inline=True)
