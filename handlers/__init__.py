"""Bolt listeners, one folder per feature; :func:`register_all` wires every feature onto an app.

Each feature folder (``decisions``, ``commitments``, ``threads``, ``groups``, ``checkins``,
``proposals``, ``proxies``, ``digests``, ``home``, ``organisations``, ``followthrough``, ``accord``)
holds its listener modules and one ``register(app)``; ``people`` (the name sweep) has only a scheduled
task; ``shared`` holds the Slack plumbing they share.
Only the composition root (``bot.app``), the server, the CLI, the demo and the manifest import this package.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

from slack_bolt import App

from bot.scheduler import Task
from handlers import (
    accord,
    checkins,
    commitments,
    decisions,
    digests,
    followthrough,
    groups,
    home,
    organisations,
    people,
    proposals,
    proxies,
    threads,
)
from handlers.accord import grammar as accord_grammar
from handlers.checkins import grammar as checkin_grammar
from handlers.commitments import grammar as commit_grammar
from handlers.decisions import grammar as decision_grammar
from handlers.digests import grammar as digest_grammar
from handlers.groups import grammar as group_grammar
from handlers.organisations import grammar as org_grammar
from handlers.proposals import grammar as propose_grammar
from handlers.proxies import grammar as proxy_grammar
from handlers.shared.deferral import Deferring
from handlers.shared.usage import CommandUsage

FEATURES = (decisions, commitments, groups, organisations, checkins, digests, proposals, proxies, home, threads,
            followthrough)
# Every command's usage, in the order `/accord help` and the manifest list them.
COMMANDS: tuple[CommandUsage, ...] = (decision_grammar.USAGE, commit_grammar.USAGE, propose_grammar.USAGE,
                                      proxy_grammar.USAGE, group_grammar.USAGE, org_grammar.USAGE,
                                      checkin_grammar.USAGE,
                                      digest_grammar.USAGE)
USAGE: dict[str, CommandUsage] = {usage.command: usage for usage in (*COMMANDS, accord_grammar.USAGE)}


def register_all(app: App, *, work: Executor | None = None, acks: Executor | None = None) -> None:
    """Register every listener of every feature on ``app``; deferred onto ``work`` (modal submissions onto
    ``acks``) when given."""
    deferring = Deferring(app, work, acks)
    target: Any = deferring  # what each feature's register(app) takes: the app's registering methods
    for feature in FEATURES:
        feature.register(target)
    accord.register(target, commands=COMMANDS)
    deferring.finish()


def scheduled_tasks() -> list[tuple[str, Task]]:
    """Every scheduled task, in the order they run on a tick."""
    return [*proposals.TASKS, *checkins.TASKS, *decisions.TASKS, *followthrough.TASKS,
            *digests.TASKS,  # a digest sees what this tick closed or opened
            *people.tasks()]  # last: names of the people this tick's work (and earlier work) named
