"""Form tokens belong to one browser session and cannot be made without the server's key."""

from __future__ import annotations

from shared.pages.security import FormGuard, new_session_id, session_key


def test_a_form_token_works_only_for_the_session_it_was_made_for() -> None:
    guard = FormGuard(b"deployment secret")
    mine, theirs = new_session_id(), new_session_id()
    assert guard.is_genuine(mine, guard.token_for(mine))
    assert not guard.is_genuine(theirs, guard.token_for(mine))
    assert not guard.is_genuine(mine, None)
    assert not guard.is_genuine(None, guard.token_for(mine))


def test_another_deployment_key_makes_other_tokens() -> None:
    session = new_session_id()
    assert not FormGuard(b"ours").is_genuine(session, FormGuard(b"theirs").token_for(session))


def test_a_cookie_that_is_no_session_id_is_refused() -> None:
    guard = FormGuard(b"deployment secret")
    for forged in ("", "short", "x" * 43 + "!", "../../etc/passwd"):
        assert not guard.is_genuine(forged, guard.token_for("a" * 43))


def test_state_is_kept_under_a_hash_never_the_session_id_itself() -> None:
    session = new_session_id()
    assert session not in session_key(session)
    assert len(session_key(session)) == 64
