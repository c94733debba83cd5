"""FOMC decision alert text."""

from __future__ import annotations

from decimal import Decimal

from bot.render.formatting import Formatter
from bot.render.message import Section
from bot.topics.fomc.events import BalanceSheetAction, Dissent, FomcDecision

MAX_CHANGE_LINES = 2
EXCERPT_CHARS = 160


def style(event: FomcDecision) -> str:
    return event.decision


def render(event: FomcDecision, f: Formatter, zone: str) -> Section:
    rng = f.rate_range(event.target_low, event.target_high)
    if event.decision == "hold":
        title = f._("FOMC statement: rates on hold at {range}").format(range=rng)
        headline = f._("The Fed held rates steady; the federal funds target range stays at "
                       "{range}.").format(range=rng)
    elif event.decision == "cut":
        title = f._("FOMC statement: {size} rate cut").format(size=f.bps(event.change_bps))
        headline = f._("The Fed cut rates by {size}; the federal funds target range is now "
                       "{range}.").format(size=f.bps(event.change_bps), range=rng)
    else:
        title = f._("FOMC statement: {size} rate hike").format(size=f.bps(event.change_bps))
        headline = f._("The Fed raised rates by {size}; the federal funds target range is now "
                       "{range}.").format(size=f.bps(event.change_bps), range=rng)
    if event.unscheduled:
        title = f._("Unscheduled {title}").format(title=title)
    lines = [headline]
    vote = _vote_line(event, f)
    if vote:
        lines.append(vote)
    lines.extend(_balance_sheet_line(action, f) for action in event.balance_sheet)
    lines.extend(_changes_lines(event, f))
    footer = f._("Released {when}").format(when=f.moment(event.occurred_at, zone))
    if event.late:
        footer = f._("{footer} · detected late (the bot was offline)").format(footer=footer)
    return Section(
        language=f.language.value,
        title=title,
        lines=tuple(lines),
        link=event.url,
        link_label=f._("Full statement"),
        footer=footer,
    )


def _vote_line(event: FomcDecision, f: Formatter) -> str | None:
    if event.votes_for is None:
        return None
    against = len(event.dissenters)
    if not against:
        return f._("Vote: unanimous ({votes_for}–0).").format(votes_for=event.votes_for)
    names = f._(", ").join(_dissent(d, f) for d in event.dissenters)
    return f.ngettext("Vote: {votes_for}–{against}; dissenting: {names}.",
                "Vote: {votes_for}–{against}; dissenting: {names}.", against).format(
        votes_for=event.votes_for, against=against, names=names)


def _dissent(dissent: Dissent, f: Formatter) -> str:
    bps = dissent.preferred_change_bps
    if dissent.about == "balance_sheet":
        wish = f._("dissented on the balance-sheet runoff")
        return f._("{name} ({wish})").format(name=dissent.name, wish=wish)
    if bps is None:
        return dissent.name
    if bps == 0:
        wish = f._("preferred no change")
    elif bps < 0:
        wish = f._("preferred a {size} cut").format(size=f.bps(bps, short=True))
    else:
        wish = f._("preferred a {size} hike").format(size=f.bps(bps, short=True))
    return f._("{name} ({wish})").format(name=dissent.name, wish=wish)


def _billions(f: Formatter, value: Decimal | None) -> str:
    return f.usd_compact((value or Decimal(0)) * 1_000_000_000)


def _asset(f: Formatter, asset: str) -> str:
    names = {
        "treasury": f._("Treasury securities"),
        "mbs": f._("mortgage-backed securities (MBS)"),
        "all": f._("securities"),
    }
    return names.get(asset, asset)


def _balance_sheet_line(action: BalanceSheetAction, f: Formatter) -> str:
    asset = _asset(f, action.asset)
    when = f.date(action.effective) if action.effective else ""
    if action.kind == "cap_change":
        if action.to_billions is not None and action.from_billions is not None:
            template = (f._("Balance sheet: monthly redemption cap on {asset} cut from {old} to "
                            "{new}") if action.to_billions < action.from_billions else
                        f._("Balance sheet: monthly redemption cap on {asset} raised from {old} "
                            "to {new}"))
            text = template.format(asset=asset, old=_billions(f, action.from_billions),
                                   new=_billions(f, action.to_billions))
        else:
            text = f._("Balance sheet: the monthly redemption caps change")
    else:
        templates = {
            "purchases": f._("Balance sheet: asset purchases expand (quantitative easing, QE)"),
            "taper": f._("Balance sheet: asset purchases slow down (taper)"),
            "purchases_end": f._("Balance sheet: asset purchases end"),
            "reinvest": f._("Balance sheet: maturing principal is reinvested (size kept)"),
            "maturity_extension": f._("Balance sheet: maturity extension of holdings "
                                      "(no change in size)"),
            "runoff_start": f._("Balance sheet: runoff begins (quantitative tightening, QT)"),
            "runoff_end": f._("Balance sheet: runoff ends (quantitative tightening, QT, "
                              "concludes)"),
            "reserve_management_purchases": f._("Balance sheet: purchases of shorter-term "
                                                "Treasury bills to keep reserves ample"),
        }
        text = templates[action.kind]
        if action.to_billions is not None and action.kind in ("purchases", "taper"):
            text = f._("{text}: {amount} a month").format(text=text,
                                                          amount=_billions(f, action.to_billions))
    if when:
        text = f._("{text} (from {when})").format(text=text, when=when)
    return text + f._(".")


def _changes_lines(event: FomcDecision, f: Formatter) -> list[str]:
    if not event.changes:
        if event.unchanged_sentences:
            return [f._("Statement: no change in wording from the previous one.")]
        return []
    counts = {op: sum(1 for c in event.changes if c.op == op)
              for op in ("changed", "added", "removed")}
    parts = []
    if counts["changed"]:
        parts.append(f.ngettext("{n} sentence changed", "{n} sentences changed",
                          counts["changed"]).format(n=counts["changed"]))
    if counts["added"]:
        parts.append(f.ngettext("{n} added", "{n} added",
                                counts["added"]).format(n=counts["added"]))
    if counts["removed"]:
        parts.append(f.ngettext("{n} removed", "{n} removed",
                          counts["removed"]).format(n=counts["removed"]))
    lines = [f._("What changed in the statement: {summary}.").format(
        summary=f._(", ").join(parts))]
    for change in event.changes[:MAX_CHANGE_LINES]:
        text = _excerpt(change.after or change.before or "")
        marker = {"added": "+", "removed": "−", "changed": "~"}[change.op]
        lines.append(f"{marker} “{text}”")
    return lines


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"
