"""A request reaches its listener through one Bolt listener of its kind, however many listeners there are.

Bolt tries its listeners in turn, building every argument a listener could take for each try, so
these tests count the tries (Bolt's built-in matchers) a request takes.
"""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt.listener_matcher.builtins import BuiltinListenerMatcher

from handlers.shared import ids
from tests import payloads
from tests.handlers.proposals.proposal_helpers import decisions, proposals, propose
from tests.harness import Harness


@pytest.fixture
def tries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every try of a Bolt matcher, from now on."""
    seen: list[str] = []
    original = BuiltinListenerMatcher.matches

    def counted(self: BuiltinListenerMatcher, req: Any, resp: Any) -> bool:
        seen.append(getattr(self.func, "__qualname__", "?"))
        return bool(original(self, req, resp))

    monkeypatch.setattr(BuiltinListenerMatcher, "matches", counted)
    return seen


def test_the_command_registered_last_is_matched_at_the_first_try(accord: Harness, tries: list[str]) -> None:
    # /accord is the last listener any feature registers: with a Bolt listener each, it took 37 tries.
    assert "/decision" in accord.command("/accord", "help").reply_text()
    assert len(tries) == 1


def test_a_position_click_an_event_and_a_shortcut_take_a_try_per_kind_at_most(accord: Harness,
                                                                               tries: list[str]) -> None:
    proposal_id = propose(accord, "Adopt the charter")
    tries.clear()
    accord.action(ids.POSITION_AGREE, str(proposal_id))
    clicked = len(tries)
    tries.clear()
    accord.event(payloads.message_event("Decision: meetings move to Thursdays"))
    messaged = len(tries)
    tries.clear()
    accord.shortcut(ids.LOG_DECISION_SHORTCUT, text="We adopt the glossary", ts="1764000000.000300")
    shortcut = len(tries)
    # Commands, then actions, then the three event types, then modal submissions and message shortcuts.
    assert (clicked, messaged, shortcut) == (2, 4, 7)
    assert [p["choice"] for p in proposals(accord)[0]["positions"]] == ["agree"]
    assert [d["text"] for d in decisions(accord)].count("meetings move to Thursdays") == 1
