"""What a picture is, read from its bytes: the one check for inspection photos and NCR files.

A few bytes can claim billions of pixels, so the size is judged from the header before anything decodes
the image (Pillow's own guard stops at about 179 megapixels, well above what a tablet camera takes).
"""

from __future__ import annotations

import io
import warnings

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

# A tablet camera takes 12-50 megapixels; more is not a photo of a part.
PHOTO_MAX_PIXELS = 60_000_000


def image_type(upload: UploadedFile) -> str:
    """The photo's content type from its content (JPEG or PNG), never from its name or the browser."""
    from PIL import Image, UnidentifiedImageError

    data = upload.read()
    upload.seek(0)
    too_big = ValidationError(
        {
            "photo": _("That photo has more than %(mp)s megapixels; send a smaller one.")
            % {"mp": PHOTO_MAX_PIXELS // 1_000_000}
        }
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the size is judged below
            with Image.open(io.BytesIO(data)) as image:
                # A few bytes can claim billions of pixels: refused from the header, before anything decodes them.
                if image.width * image.height > PHOTO_MAX_PIXELS:
                    raise too_big
                image.verify()
                kind = image.format
    except Image.DecompressionBombError:  # Pillow's own guard, from the header too
        raise too_big from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        kind = None
    if kind not in {"JPEG", "PNG"}:
        raise ValidationError({"photo": _("That file is not a JPEG or PNG photo.")})
    return "image/jpeg" if kind == "JPEG" else "image/png"
