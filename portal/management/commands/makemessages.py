"""makemessages that also finds `_lazy("...")`: the kinds of assistance import gettext_lazy
under that name (beside gettext as `_`), and xgettext knows only the usual names."""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_lazy"]
