"""The explorer page (``/explore/``): the influence map drawn in the browser, with the
renewal ranking of the territory's bodies beside it.

The page is a shell: every piece of data comes from the analysis API, called by its
script (``api/static/explorer/explorer.js``, built from ``api/frontend/``) with the
caller's own credentials, so it shows exactly what they may see, with the same 404 for a
territory out of reach as the API. Two ways in:

- staff logged in to the admin: the session cookie (their territory limit applies, as
  in the browsable API, ``api.auth.access_of``);
- an API key with the ``analysis`` scope, typed once into the page and kept in the
  tab's ``sessionStorage`` only (never a cookie, never ``localStorage``).

Everything the script shows in words is declared here, once, and handed to it in the
language of the request (``LocaleMiddleware``: the browser's ``Accept-Language``),
translated by the French catalogue (``registry/locale/fr``). The page makes no request
to another host: no CDN, no web font, and a ``Content-Security-Policy`` that would
refuse one.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from graph.influence import ROLES
from graph.renewal.indicators import INDICATORS
from graph.renewal.strengths import STRENGTHS
from registry.models import ActorCategory, BodyType, InteractionType

#: The one policy of the page: its own origin only. Styles set by the script through the
#: CSSOM (sigma's canvases) are not inline styles, so no 'unsafe-inline' is needed.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

#: The sentences of the script, by key; ``{name}`` placeholders are filled by the script.
MESSAGES = {
    "loading": _("Loading the map…"),
    "queued": _("The map is computed in the background (job {status})…"),
    # the statuses of a background job (django-tasks), "job_<STATUS>", in that sentence
    "job_READY": _("waiting in line"),
    "job_RUNNING": _("running"),
    "drawing": _("Drawing {nodes} nodes…"),
    "ready": _("{nodes} nodes and {edges} ties as of {as_of}."),
    "not_found": _("Not found: no territory you may analyse has this name or code."),
    "node_not_found": _("Not found: this actor is not in the map."),
    "error": _("The service answered {status}: {detail}"),
    "network_error": _("The service could not be reached."),
    "job_failed": _("The background computation failed ({error})."),
    "auth_needed": _(
        "Enter an API key with the analysis scope, or log in to the admin as a staff member."
    ),
    "bad_key": _("This API key was refused: {detail}"),
    "forbidden": _("Your credentials may not use the analysis: {detail}"),
    "choose_territory": _("Choose a territory (name or level:code)."),
    "key_kept": _("API key kept for this tab only."),
    "signed_in": _("Signed in as {user} (staff)."),
    "no_match": _("No actor or body of the map matches “{query}”."),
    "ego": _("Ego network: {count} neighbours within {radius} step(s)."),
    "ego_failed": _("The ego network could not be loaded: {detail}"),
    "bodies": _("Bodies"),
    "members": _("Members"),
    "none": _("none"),
    "metrics": _("Metrics"),
    "path_from_here": _("Path from here"),
    "path_to_here": _("Path to here"),
    "path_pick": _("Choose two actors (“Path from here”, “Path to here”)."),
    "path_found": _("Strongest path: {hops} step(s), weakest tie {weakest}."),
    "path_none": _("No path between these two actors."),
    "path_actors_only": _("A path joins two actors, not bodies."),
    "community": _("Community {name}"),
    "community_of": _("community"),
    "score": _("score"),
    "indicators": _("Indicators"),
    "strengths": _("Strengths"),
    "no_bodies": _("No body in this territory."),
    "renewal_loading": _("Loading the renewal assessment…"),
    "actor": _("actor"),
    "body": _("body"),
    "yes": _("yes"),
    "no": _("no"),
    "broker": _("broker"),
    "role": _("role"),
    "ok": _("ok"),
    "watch": _("watch"),
    "alert": _("alert"),
    "unknown": _("unknown"),
    # the statuses of a strength (graph.renewal.strengths), "strength_<status>"
    "strength_strength": _("strength"),
    "strength_none": _("not reached"),
    "strength_unknown": _("unknown"),
    "exported": _("Exported {file}."),
    # the legend's one line for the communities beyond the palette, all drawn in grey
    "smaller_communities": _("{count} smaller communities"),
}

#: The node metrics the panel shows, in its order (the influence map's node attributes).
METRICS = {
    "degree": _("degree"),
    "weighted_degree": _("weighted degree"),
    "pagerank": _("PageRank"),
    "betweenness": _("betweenness"),
    "constraint": _("Burt constraint"),
    "effective_size": _("effective size"),
    "core_number": _("core number"),
    "participation": _("participation coefficient"),
    "community_degree_z": _("within-community degree z-score"),
}

#: Labels of the Guimerà-Amaral roles (``graph.influence.ROLES``: a test keeps them in step).
ROLE_LABELS = {
    "ultra_peripheral": _("ultra-peripheral"),
    "peripheral": _("peripheral"),
    "connector": _("connector"),
    "kinless": _("kinless"),
    "provincial_hub": _("provincial hub"),
    "connector_hub": _("connector hub"),
    "kinless_hub": _("kinless hub"),
}


def page_config(request) -> dict:
    """What the script needs, in the request's language: words, choices, routes, caller."""
    french = translation.get_language() == "fr"
    user = request.user
    staff = bool(user.is_authenticated and user.is_staff)
    return {
        "lang": "fr" if french else "en",
        "messages": {key: str(text) for key, text in MESSAGES.items()},
        "metrics": {key: str(text) for key, text in METRICS.items()},
        "roles": {role: str(ROLE_LABELS[role]) for role in ROLES},
        "categories": [[code, str(label)] for code, label in ActorCategory.choices],
        "interaction_types": [[code, str(label)] for code, label in InteractionType.choices],
        "body_types": {code: str(label) for code, label in BodyType.choices},
        "indicators": {
            spec.code: spec.label_fr if french else spec.label_en for spec in INDICATORS
        },
        "strengths": {spec.code: spec.label_fr if french else spec.label_en for spec in STRENGTHS},
        "urls": {
            "influence_map": reverse("analysis-influence-map"),
            "renewal": reverse("analysis-renewal"),
            "paths": reverse("analysis-paths"),
            "actor_network": reverse("analysis-actor-network", args=[0]).replace("/0/", "/{id}/"),
            "territories": reverse("territory-list"),
            "login": f"{reverse('admin:login')}?next={reverse('explorer')}",
        },
        "staff": {"name": user.get_username()} if staff else None,
    }


class ExplorerView(TemplateView):
    """``/explore/``: the page itself holds no data, so anyone may load it; the API calls
    it makes answer only to staff sessions and keys with the ``analysis`` scope."""

    template_name = "api/explorer.html"
    http_method_names = ["get", "head"]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "config": page_config(self.request)}

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        # The page names the signed-in user: never cached, never shared.
        add_never_cache_headers(response)
        return response
