"""Fixtures of the studio's draft tests: dibao deployed province-wide, a draft of it by
`policy`, and a policy officer whose jurisdiction is the county only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from engine.models import ProcessDefinition
from studio.actions import do_create_draft
from studio.models import Draft
from tests.fixtures import World, deploy_only, make_user

FORM = "forms/dibao_opinion.json"


@pytest.fixture
def dibao(world: World) -> ProcessDefinition:
    deploy_only("dibao.bpmn", actor=world["policy"])
    return ProcessDefinition.objects.get(key="dibao", region__isnull=True)


@pytest.fixture
def draft(world: World, dibao: ProcessDefinition) -> Draft:
    return do_create_draft(dibao.pk, actor=world["policy"])


@pytest.fixture
def county_policy(world: World) -> User:
    return make_user("county_policy", "policy_staff", world.county)


def changed(draft: Draft, path: str = FORM) -> str:
    """The file's text with one harmless change: a shorter limit on the reasons."""
    text = draft.sources[path]
    assert '"maxLength": 2000' in text
    return text.replace('"maxLength": 2000', '"maxLength": 1000')


def broken(draft: Draft, path: str = FORM) -> str:
    """The form with a type JSON Schema does not know: the deploy checks refuse it."""
    return draft.sources[path].replace('"type": "object"', '"type": "objekt"', 1)


def file_url(draft: Draft, path: str = FORM) -> str:
    return reverse("studio:draft-file", args=[draft.pk, path])


def draft_url(draft: Draft, name: str = "studio:draft") -> str:
    return reverse(name, args=[draft.pk])
