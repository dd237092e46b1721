"""Block Kit safety: nothing pings a channel, nothing exceeds Slack's limits."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from handlers.shared.blocks import MAX_SECTION, escape, fit_blocks, safe, section, sections, split_text, truncate

SPECIALS = ["<!channel>", "<!here>", "<!everyone>", "<!subteam^S0123|@leads>", "<!here|here>"]
token = st.sampled_from([*SPECIALS, "<@U123|ann>", "<#C1|general>", "<https://x.org|x>", "&amp;", " ", "\n", "word"])


@given(st.lists(st.one_of(token, st.text(max_size=20)), max_size=60))
def test_safe_text_never_pings(parts: list[str]) -> None:
    out = safe("".join(parts))
    assert "<!channel" not in out and "<!here" not in out and "<!everyone" not in out and "<!subteam" not in out


def test_safe_keeps_user_mentions_links_and_dates() -> None:
    text = "ask <@U123|ann> in <#C1|general> see <https://x.org|site> <!date^1700000000^{date}|2023>"
    assert safe(text) == text
    assert safe("hi <!channel>") == "hi @\u2060channel"
    assert safe("<!subteam^S1|@leads> go") == "@\u2060leads go"


def test_escape_neutralises_typed_markup() -> None:
    assert safe(escape("<!channel> & <@U1>")) == "&lt;!channel&gt; &amp; &lt;@U1&gt;"


@given(st.lists(st.one_of(token, st.text(min_size=1, max_size=400)), max_size=80))
def test_split_text_respects_limit_and_loses_nothing_but_edge_space(parts: list[str]) -> None:
    text = "".join(parts)
    pieces = split_text(text, limit=500)
    assert all(len(p) <= 500 for p in pieces)
    assert "".join(pieces).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


def test_long_text_spreads_over_sections_without_cutting_mentions() -> None:
    text = ("<@U12345|someone> " * 400).strip()
    blocks = sections(text)
    assert len(blocks) >= 3
    for block in blocks:
        body = block["text"]["text"]
        assert len(body) <= MAX_SECTION and body.count("<") == body.count(">")


def test_truncate_and_fit() -> None:
    assert len(truncate("x" * 5000, 3000)) == 3000
    assert section("y" * 4000)["text"]["text"].endswith("…")
    blocks = fit_blocks([section(str(i)) for i in range(80)], more="see the App Home")
    assert len(blocks) == 50 and "31 more" in blocks[-1]["elements"][0]["text"]
