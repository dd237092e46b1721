"""`/org`: set members' organisations, name representatives and focal points, list and show organisations."""

from __future__ import annotations

from bot.services import organisations as service
from handlers.organisations.blocks import (
    assignment_text,
    organisation_list_blocks,
    organisation_show_blocks,
    role_text,
)
from handlers.organisations.grammar import USAGE, OrgCommand, OrgList, OrgRole, OrgSet, OrgShow, parse_org_command
from handlers.shared.blocks import fallback_text
from handlers.shared.commands import SlashCall, slash_command
from handlers.shared.replies import reply


@slash_command(USAGE, lambda call: parse_org_command(call.text))
def handle_org_command(call: SlashCall, parsed: OrgCommand) -> None:
    """`/org …`: call the service, answer the invoker."""
    rt, respond, consortium_id = call.rt, call.respond, call.consortium_id
    if isinstance(parsed, OrgSet):
        with rt.session() as session:
            done = service.set_organisation(session, settings=rt.settings, consortium_id=consortium_id,
                                            actor_id=call.user_id, name=parsed.name, user_ids=parsed.user_ids,
                                            now=rt.clock.now())
        reply(respond, assignment_text(done))
    elif isinstance(parsed, OrgRole):
        with rt.session() as session:
            organisation = service.set_role(session, settings=rt.settings, consortium_id=consortium_id,
                                            actor_id=call.user_id, name=parsed.name,
                                            role="representative" if parsed.role == "representative" else "focal",
                                            user_id=parsed.user_id)
        reply(respond, role_text(organisation, role=parsed.role, user_id=parsed.user_id))
    elif isinstance(parsed, OrgList):
        with rt.session() as session:
            infos = service.list_organisation_infos(session, consortium_id=consortium_id)
        reply(respond, "Organisations", organisation_list_blocks(infos))
    elif isinstance(parsed, OrgShow):
        with rt.session() as session:
            info = service.organisation_info(session, consortium_id=consortium_id, name=parsed.name)
        reply(respond, fallback_text(f"{info.organisation.name}: {len(info.member_ids)} members"),
              organisation_show_blocks(info))
