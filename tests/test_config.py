"""Settings: who may sign in, rate and administer; the admin password is never printed."""

from __future__ import annotations

import pytest

from judge.config import Settings
from judge.errors import JudgeError


def test_without_lists_anyone_named_may_rate_and_administer() -> None:
    config = Settings.from_env({})
    assert config.may_annotate("ana") and not config.may_annotate("  ")
    assert config.may_administer(None)


def test_an_admin_who_is_not_an_annotator_signs_in_but_does_not_rate() -> None:
    config = Settings.from_env({"JUDGE_ANNOTATORS": "ana, bo", "JUDGE_ADMINS": "lee"})
    assert config.annotators == ("ana", "bo")
    assert config.may_sign_in("lee") and not config.may_annotate("lee")
    assert not config.may_sign_in("eve")
    assert config.may_administer("lee") and not config.may_administer("ana")


def test_with_an_admin_password_the_name_alone_is_not_enough() -> None:
    config = Settings.from_env({"JUDGE_ADMINS": "lee", "JUDGE_ADMIN_PASSWORD": "open sesame"})
    assert not config.may_administer("lee")
    assert config.may_administer("lee", password_checked=True)
    assert not config.may_administer("ana", password_checked=True)
    assert config.admin_password_matches("open sesame") and not config.admin_password_matches("open")
    assert "open sesame" not in repr(config)


def test_a_bad_number_of_annotators_per_pair_is_named() -> None:
    with pytest.raises(JudgeError, match="JUDGE_ANNOTATORS_PER_PAIR"):
        Settings.from_env({"JUDGE_ANNOTATORS_PER_PAIR": "none"})
