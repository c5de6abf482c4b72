import pytest

from assessments.exceptions import StateConflict
from assessments.invitations.selectors import invitation_from_token
from assessments.invitations.services import Invitee, invitation_resend, invitation_revoke, invitations_create
from assessments.invitations.tokens import make_token
from assessments.models import Invitation
from assessments.rounds.services import round_close
from assessments.tests.factories import invite

pytestmark = pytest.mark.django_db

# Invitations and links


def test_invitations_are_never_doubled(open_round):
    (invitation,) = invite(open_round)
    again = invitations_create(
        round=open_round,
        invitees=[Invitee(user=invitation.user, stakeholder_group=invitation.stakeholder_group)],
    )
    assert again == []
    assert Invitation.objects.count() == 1


def test_the_link_token_is_long_random_and_stored_only_hashed(open_round):
    (invitation,) = invite(open_round)
    token = make_token(invitation.pk, invitation.token_nonce)
    assert len(bytes.fromhex(token)) * 8 >= 128
    assert len(invitation.token_nonce) * 4 == 128
    assert token not in {invitation.token_hash, invitation.token_nonce}
    assert invitation_from_token(token=token) == invitation


def test_link_dies_when_revoked_or_closed_or_replaced(open_round):
    first, second = invite(open_round), invite(open_round)
    token_1 = make_token(first[0].pk, first[0].token_nonce)
    invitation_revoke(invitation=first[0])
    assert invitation_from_token(token=token_1) is None
    with pytest.raises(StateConflict):
        invitation_revoke(invitation=first[0])

    token_2 = make_token(second[0].pk, second[0].token_nonce)
    invitation_resend(invitation=second[0], new_link=True)
    assert invitation_from_token(token=token_2) is None
    second[0].refresh_from_db()
    fresh = make_token(second[0].pk, second[0].token_nonce)
    assert invitation_from_token(token=fresh) == second[0]
    round_close(round=open_round)
    assert invitation_from_token(token=fresh) is None


def test_unknown_tokens_find_nothing(open_round):
    invite(open_round)
    assert invitation_from_token(token="0" * 64) is None
    assert invitation_from_token(token="") is None


def test_invitation_to_a_closed_round_is_refused(open_round):
    round_close(round=open_round)
    with pytest.raises(StateConflict):
        invite(open_round)
