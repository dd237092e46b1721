"""Answers to check-ins: the modal (progress, blockers, a status per commitment) and thread replies.

A member has one answer per round: a second modal submission replaces its progress and
blockers, a reply in the prompt's thread is added to it. Statuses chosen in the modal change
the member's commitments through :func:`bot.services.commitments.change_status`, so their
history records the round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.config import Settings
from bot.services import Forbidden, Invalid, NotFound, ServiceError
from bot.services.commitments import change_status
from bot.services.organisations import organisation_of
from storage import checkins as store
from storage import commitments as commitment_store
from storage import groups as group_store
from storage.models import CheckinPrompt, CheckinResponse, CheckinRound, Commitment
from storage.statuses import CommitmentStatus
from storage.teams import write_audit

KEEP = "keep"
STATUS_CHOICES = (KEEP, "done", "blocked", "dropped")
STATUS_ACTIONS = {"done": "done", "blocked": "block", "dropped": "drop"}
MAX_FORM_COMMITMENTS = 25


@dataclass(frozen=True)
class CheckinForm:
    """What the check-in modal shows: the round, the member's open commitments, their answer so far."""

    prompt_id: int
    round_id: int
    group_name: str
    closes_at: datetime
    commitments: list[Commitment]
    more_commitments: int
    progress: str | None = None
    blockers: str | None = None


@dataclass(frozen=True)
class Answer:
    """A recorded answer: where its prompt is, and which commitments it changed."""

    prompt: CheckinPrompt
    group_name: str
    first: bool
    changed: list[tuple[int, CommitmentStatus]]
    skipped: list[str]


def _prompt(session: Session, *, consortium_id: str, user_id: str, prompt_id: int | None) -> CheckinPrompt:
    if prompt_id is None:
        prompt = store.latest_open_prompt(session, consortium_id=consortium_id, user_id=user_id)
        if prompt is None:
            raise NotFound("You have no check-in waiting. You'll get a direct message when your group's next "
                           "check-in opens.")
        return prompt
    prompt = store.get_prompt(session, consortium_id=consortium_id, prompt_id=prompt_id)
    if prompt is None:
        raise NotFound("That check-in no longer exists. Try `/checkin`.")
    if prompt.user_id != user_id:
        raise Forbidden(f"This check-in was sent to <@{prompt.user_id}>. Yours opens with `/checkin`.")
    return prompt


def _open_round(session: Session, *, prompt: CheckinPrompt) -> tuple[CheckinRound, str]:
    round_ = store.get_round(session, consortium_id=prompt.consortium_id, round_id=prompt.round_id)
    if round_ is None:
        raise NotFound("That check-in no longer exists. Try `/checkin`.")
    group = group_store.get_group(session, consortium_id=round_.consortium_id, group_id=round_.group_id)
    name = group.name if group else "your group"
    if round_.closed_at is not None:
        raise Invalid(f"The {name} check-in closed on {round_.closed_at:%Y-%m-%d %H:%M} UTC; your answer "
                      "was not recorded. Bring it to the next one.")
    return round_, name


def checkin_form(session: Session, *, consortium_id: str, user_id: str, prompt_id: int | None = None) -> CheckinForm:
    """The form of a member's check-in (their most recent open one when no prompt is given)."""
    prompt = _prompt(session, consortium_id=consortium_id, user_id=user_id, prompt_id=prompt_id)
    round_, name = _open_round(session, prompt=prompt)
    commitments = commitment_store.list_commitments(session, consortium_id=consortium_id, owner_id=user_id)
    answer = store.get_response(session, consortium_id=consortium_id, round_id=prompt.round_id, user_id=user_id)
    assert prompt.id is not None and round_.id is not None
    return CheckinForm(prompt_id=prompt.id, round_id=round_.id, group_name=name, closes_at=round_.closes_at,
                       commitments=commitments[:MAX_FORM_COMMITMENTS],
                       more_commitments=max(len(commitments) - MAX_FORM_COMMITMENTS, 0),
                       progress=answer.text if answer else None, blockers=answer.blockers if answer else None)


def prompt_for_thread(
    session: Session, *, consortium_id: str, channel_id: str, thread_ts: str, user_id: str
) -> CheckinPrompt | None:
    """The prompt whose DM thread a message replies to, if it was sent to that user."""
    prompt = store.get_prompt_by_message(session, consortium_id=consortium_id, channel_id=channel_id,
                                         message_ts=thread_ts)
    return prompt if prompt is not None and prompt.user_id == user_id else None


def _save(session: Session, *, prompt: CheckinPrompt, text: str, blockers: str | None, source: str,
          now: datetime) -> bool:
    """Insert or update the member's answer; True when it is their first in this round."""
    existing = store.get_response(session, consortium_id=prompt.consortium_id, round_id=prompt.round_id,
                                  user_id=prompt.user_id)
    if existing is None:
        row = CheckinResponse(consortium_id=prompt.consortium_id, round_id=prompt.round_id, user_id=prompt.user_id,
                              organisation=organisation_of(session, consortium_id=prompt.consortium_id,
                                                           user_id=prompt.user_id),
                              text=text,
                              blockers=blockers, source=source, responded_at=now)
        if store.insert_response(session, response=row):
            return True
        existing = store.get_response(session, consortium_id=prompt.consortium_id, round_id=prompt.round_id,
                                      user_id=prompt.user_id)
        assert existing is not None
    if source == "thread":
        existing.text = "\n".join(t for t in (existing.text, text) if t)
    else:
        existing.text, existing.blockers = text, blockers
    existing.responded_at = now
    session.add(existing)
    return False


def _apply_statuses(
    session: Session, *, settings: Settings, prompt: CheckinPrompt, statuses: Mapping[int, str],
    blockers: str | None, now: datetime,
) -> tuple[list[tuple[int, CommitmentStatus]], list[str]]:
    wanted = {cid: STATUS_ACTIONS[s] for cid, s in statuses.items() if s in STATUS_ACTIONS}
    if not wanted:
        return [], []
    mine = {c.id for c in commitment_store.list_commitments(session, consortium_id=prompt.consortium_id,
                                                            owner_id=prompt.user_id)}
    changed, skipped = [], []
    for commitment_id, action in wanted.items():
        if commitment_id not in mine:
            skipped.append(f"Commitment #{commitment_id} is no longer open.")
            continue
        try:
            commitment, did = change_status(
                session, settings=settings, consortium_id=prompt.consortium_id, commitment_id=commitment_id,
                actor_id=prompt.user_id, action=action, now=now,  # type: ignore[arg-type]
                note=blockers if action == "block" else None, source="checkin", checkin_round_id=prompt.round_id)
        except ServiceError as err:
            skipped.append(err.message)
            continue
        if did:
            changed.append((commitment_id, commitment.status))
    return changed, skipped


def record_answer(
    session: Session, *, settings: Settings, consortium_id: str, user_id: str, prompt_id: int | None, text: str,
    now: datetime, blockers: str | None = None, statuses: Mapping[int, str] | None = None, source: str = "modal",
) -> Answer:
    """Record a member's answer to their check-in (and the commitment statuses they chose)."""
    prompt = _prompt(session, consortium_id=consortium_id, user_id=user_id, prompt_id=prompt_id)
    _, name = _open_round(session, prompt=prompt)
    blockers = (blockers or "").strip() or None
    first = _save(session, prompt=prompt, text=text.strip(), blockers=blockers, source=source, now=now)
    changed, skipped = _apply_statuses(session, settings=settings, prompt=prompt, statuses=statuses or {},
                                       blockers=blockers, now=now)
    write_audit(session, consortium_id=consortium_id, actor_id=user_id, action="checkin.respond",
                entity="checkin_round",
                entity_id=prompt.round_id, detail={"source": source, "first": first, "blockers": bool(blockers),
                                                   "changed": changed})
    return Answer(prompt=prompt, group_name=name, first=first, changed=changed, skipped=skipped)
