"""Every state a dossier can reach maps to a national status: a new state of the lifecycle table
without a row in the sync mapping would silently never reach the national portal."""

import pytest

from dossiers.lifecycle import ACTIONS, ALL_STATUSES, DRAFT_STATUSES
from integrations.dvcqg_mapping import NOT_SYNCED, national_status


@pytest.mark.parametrize("status", [s for s in ALL_STATUSES if s not in DRAFT_STATUSES])
def test_every_filed_state_has_a_national_status(status):
    assert national_status(action="any-other-change", to_status=str(status)) is not None


@pytest.mark.parametrize("action", [a for a in ACTIONS.values() if a.target and a.name not in NOT_SYNCED])
def test_every_action_that_changes_the_state_is_synced(action):
    assert national_status(action=action.name, to_status=str(action.target)) is not None


def test_sign_off_of_a_refusal_is_sent_as_a_refusal():
    assert (
        national_status(action="sign_off", to_status="refused").code
        == national_status(action="refuse", to_status="refused").code
    )
