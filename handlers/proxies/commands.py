"""`/proxy`: name an alternate, end the proxy, or see it."""

from __future__ import annotations

from bot.services import proxies as service
from handlers.proxies.grammar import USAGE, ProxyCommand, ProxyOff, ProxySet, ProxyShow, parse_proxy_command
from handlers.shared.commands import SlashCall, slash_command
from handlers.shared.replies import reply


def proxy_text(alternate_id: str, until: object, proposal_id: int | None) -> str:
    scope = f"proposal #{proposal_id}" if proposal_id else "every proposal"
    when = f" until {until}" if until else ""
    return f"<@{alternate_id}> may take your position on {scope}{when}"


@slash_command(USAGE, lambda call: parse_proxy_command(call.text, call.rt.today(call.consortium_id)))
def handle_proxy_command(call: SlashCall, parsed: ProxyCommand) -> None:
    """`/proxy …`: call the service, answer the invoker."""
    rt, consortium_id, user_id = call.rt, call.consortium_id, call.user_id
    today = rt.today(consortium_id)
    if isinstance(parsed, ProxySet):
        with rt.session() as session:
            proxy = service.set_proxy(session, consortium_id=consortium_id, member_id=user_id,
                                      alternate_id=parsed.alternate_id, until=parsed.until,
                                      proposal_id=parsed.proposal_id, now=rt.clock.now(), today=today)
        reply(call.respond, f"{proxy_text(proxy.alternate_id, proxy.until, proxy.proposal_id)}: after taking "
                            "their own, they choose to take it for you too. Your own position always overrides "
                            "theirs. `/proxy off` ends it.")
    elif isinstance(parsed, ProxyOff):
        with rt.session() as session:
            ended = service.proxy_off(session, consortium_id=consortium_id, member_id=user_id, now=rt.clock.now())
        reply(call.respond, "Your proxy has ended." if ended else "You have no proxy in force.")
    elif isinstance(parsed, ProxyShow):
        with rt.session() as session:
            current = service.current_proxy(session, consortium_id=consortium_id, member_id=user_id, today=today)
        reply(call.respond, (proxy_text(current.alternate_id, current.until, current.proposal_id) + "."
                             if current else "You have no proxy. " + USAGE.forms[0].text))
