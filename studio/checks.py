"""The server's deploy checks run on a draft, as located problems (file, element, name, line).

One place to switch over when the engine offers a richer entry point
(`check_sources(sources, main) -> list[Problem]`, with the variable checks): the pages and
the actions only call `draft_problems`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from engine.bundle import load_bundle, sources_sha256
from engine.checks import DeploymentError, Problem
from studio.models import Draft

logger = logging.getLogger(__name__)

# Checking a bundle takes most of a second, and the draft page, its file pages and the
# editor's check.json ask again after every save: identical sources give identical problems.
_CACHE: dict[tuple[str, str, str, str], list[Problem]] = {}
_CACHE_SIZE = 128


def draft_problems(draft: Draft) -> list[Problem]:
    """What keeps the draft from deploying, in the active language; [] when it would deploy."""
    cache_key = (draft.key, draft.main, sources_sha256(draft.sources), get_language() or "")
    found = _CACHE.get(cache_key)
    if found is None:
        found = _check(draft)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[cache_key] = found
    return list(found)


def _check(draft: Draft) -> list[Problem]:
    try:
        bundle = load_bundle(draft.sources, draft.main)
    except DeploymentError as exc:
        return list(exc.details)
    except Exception as exc:  # an engine crash must refuse the draft, not break the page
        logger.exception("deploy checks failed on draft %s", draft.pk)
        return [
            Problem(
                draft.main,
                _("the checks could not run on this draft (%(error)s)")
                % {"error": f"{type(exc).__name__}: {exc}"[:300]},
            )
        ]
    if bundle.key != draft.key:
        return [
            Problem(
                draft.main,
                _(
                    "the main process's id is %(found)s; a draft of %(key)s must keep the id "
                    "%(key)s (a new id would deploy another process)"
                )
                % {"found": repr(bundle.key), "key": repr(draft.key)},
            )
        ]
    return []


def problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "file": problem.file,
        "element": problem.element,
        "name": problem.name,
        "line": problem.line,
        "message": problem.message,
    }
