"""Validators of the JSON fields: their declared shape, checked on every path that writes them.

``links`` and ``sources`` are Popolo link objects: a list of ``{"url": ..., "note": ...}``.
Without a shape a string was stored as is and exported as one link per character.
The API's serializers declare the same shape for the OpenAPI document
(``api.resources.shapes``); this validator is what the services' ``full_clean()``
enforces whatever the path (API, bulk, imports, admin).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

#: Most link objects one field holds, and the longest url and note.
MAX_LINKS = 100
MAX_URL_LENGTH = 2000
MAX_NOTE_LENGTH = 500
LINK_KEYS = frozenset({"url", "note"})

_url = URLValidator(schemes=["http", "https"])


@deconstructible
class LinkListValidator:
    """A list of at most 100 ``{"url": "https://...", "note": "..."}`` objects."""

    message = _('Give a list of {"url": "https://...", "note": "..."} objects.')

    def __call__(self, value) -> None:
        if not isinstance(value, list):
            raise ValidationError(self.message, code="invalid")
        if len(value) > MAX_LINKS:
            raise ValidationError(_("At most %(n)s links.") % {"n": MAX_LINKS}, code="max_length")
        for index, item in enumerate(value):
            self._check_item(index, item)

    def _check_item(self, index: int, item) -> None:
        where = _("Link %(i)s: ") % {"i": index}
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            raise ValidationError(f"{where}{self.message}", code="invalid")
        extra = set(item) - LINK_KEYS
        if extra:
            raise ValidationError(
                f"{where}" + _("unknown keys %(keys)s.") % {"keys": ", ".join(sorted(extra))},
                code="invalid",
            )
        url, note = item["url"], item.get("note", "")
        if not isinstance(note, str) or len(note) > MAX_NOTE_LENGTH or "\x00" in note:
            raise ValidationError(
                f"{where}"
                + _("the note is a text of at most %(n)s characters.") % {"n": MAX_NOTE_LENGTH},
                code="invalid",
            )
        if len(url) > MAX_URL_LENGTH:
            raise ValidationError(f"{where}" + _("the url is too long."), code="invalid")
        try:
            _url(url)
        except ValidationError:
            raise ValidationError(f"{where}" + _("give an http(s) URL."), code="invalid") from None

    def __eq__(self, other) -> bool:
        return isinstance(other, LinkListValidator)


validate_links = LinkListValidator()
