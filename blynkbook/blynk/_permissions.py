"""What a narrower OAuth client may lack, and how the facade says so.

Platform API clients are created with chosen permissions. Device lists, base info and a
device's own datastream list are enough to name, read and write datastreams; templates
(``PRODUCT_VIEW``), tags, metadata and the timeline are optional. Without templates the
facade degrades (one :class:`~blynkbook.errors.PermissionWarning`); a call that cannot do
without an optional endpoint fails with a :class:`~blynkbook.errors.ForbiddenError` that
names the permission.

>>> try:
...     with needs(TAGS, "tags()"):
...         raise ForbiddenError("Forbidden", status=403)
... except ForbiddenError as exc:
...     print(exc.message)
tags() needs the permission to view device tags, which this OAuth client lacks (Forbidden)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from blynkbook.errors import ForbiddenError

__all__ = ["METADATA", "TAGS", "TEMPLATES", "TEMPLATE_NOTE", "TIMELINE", "needs"]

#: The permissions of optional endpoints, as the messages name them (only PRODUCT_VIEW is
#: a documented name; the vendor publishes no names for the others).
TEMPLATES = "PRODUCT_VIEW permission (templates and their datastreams)"
TAGS = "permission to view device tags"
METADATA = "permission to view device metadata"
TIMELINE = "permission to view the device timeline"

#: The one warning a client without template access gives.
TEMPLATE_NOTE = (
    "this OAuth client may not read templates (HTTP 403: it lacks the PRODUCT_VIEW "
    "permission); going on without them: template names are NA, datastreams are named from "
    "each device's own list, schema() types are guessed from current values (column "
    "'inferred'), and writes are checked by the server only"
)


@contextmanager
def needs(permission: str, what: str) -> Iterator[None]:
    """Re-raise a 403 inside the block as one naming ``permission`` and the call ``what``."""
    try:
        yield
    except ForbiddenError as exc:
        raise ForbiddenError(
            f"{what} needs the {permission}, which this OAuth client lacks ({exc.message})",
            status=exc.status,
            method=exc.method,
            url=exc.url,
            body=exc.body,
        ) from exc
