from django import template
from django.utils.html import json_script
from django.utils.translation import gettext

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ counts|get_item:key }}``: look a key up in a dict."""
    return (mapping or {}).get(key)


@register.simple_tag
def portal_js_texts():
    """The texts static/portal/portal.js writes (live updates), in the page's language, as a JSON script.

    The script has no catalogue of its own; placeholders (%(time)s, %(seconds)s) are filled in by it.
    """
    texts = {
        "updated": gettext("Updated %(time)s"),
        "updated_paused": gettext("Updated %(time)s · paused"),
        "failed": gettext("Could not update; trying again in %(seconds)s s"),
        "pause": gettext("Pause updates"),
        "resume": gettext("Resume updates"),
    }
    return json_script(texts, "portal-texts")
