"""Who may do what with batch grants, role by role: payments officers and approvers prepare,
only an approver who did not prepare decides, auditors read, everyone else finds nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from payments.actions_grants import do_import_relocation_list, do_submit_batch
from tests.payments.grants_world import good_rows, relocated, xlsx

# role -> (list, new relocation, new subsidy, batch page, submit, approve, return)
EXPECTED = {
    "finance": (200, 200, 200, 200, 302, 403, 403),
    "finance2": (200, 200, 200, 200, 302, 403, 403),
    "approver": (200, 200, 200, 200, 302, 302, 302),
    "auditor": (200, 403, 403, 200, 403, 403, 403),
    "outsider": (404, 404, 404, 404, 404, 404, 404),
    "clerk": (404, 404, 404, 404, 404, 404, 404),
    "reviewer": (404, 404, 404, 404, 404, 404, 404),
    "checker": (404, 404, 404, 404, 404, 404, 404),
    "policy": (404, 404, 404, 404, 404, 404, 404),
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_it_answers_each_role_as_the_table_says(client, world, role):
    relocated(world)
    batch = do_import_relocation_list(
        world.county.pk, actor=world["finance"], file_name="l.xlsx", data=xlsx(good_rows())
    )
    do_submit_batch(batch.pk, actor=world["finance"])
    client.force_login(world[role])
    got = (
        client.get(reverse("payments:grants")).status_code,
        client.get(reverse("payments:grant-new-relocation")).status_code,
        client.get(reverse("payments:grant-new-price-subsidy")).status_code,
        client.get(reverse("payments:grant-batch", args=[batch.pk])).status_code,
        # A refusal the role may meet (not the preparer, already submitted) is a message and
        # a redirect; a role that may not act at all is a 403.
        client.post(reverse("payments:grant-submit", args=[batch.pk])).status_code,
        client.post(reverse("payments:grant-approve", args=[batch.pk])).status_code,
        client.post(reverse("payments:grant-return", args=[batch.pk]), {"note": "x"}).status_code,
    )
    assert got == EXPECTED[role]
