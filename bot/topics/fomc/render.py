"""FOMC decision alert text."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from bot.domain.programs import ProgramChange, packaged_changes
from bot.render.formatting import Formatter
from bot.render.message import Section
from bot.topics.fomc.changes import ranked, say
from bot.topics.fomc.events import (
    Amount,
    BalanceSheetAction,
    Dissent,
    Expectation,
    FomcDecision,
    NoteRates,
)
from bot.topics.fomc.members import member

MAX_CHANGE_LINES = 3


def style(event: FomcDecision) -> str:
    return event.decision


def render(event: FomcDecision, f: Formatter, zone: str) -> Section:
    rng = f.rate_range(event.target_low, event.target_high)
    if not event.range_stated:  # an action without a rate decision: say only that
        title = f._("FOMC statement: no rate decision; the target range stays at {range}"
                    ).format(range=rng)
        headline = f._("The statement announces no change to the federal funds target range, "
                       "which stays at {range}.").format(range=rng)
    elif event.from_point_target is not None:  # 2008-12-16: a range replaces a point
        point = f.rate(event.from_point_target)
        title = f._("FOMC statement: a target range of {range} replaces the {point} target"
                    ).format(range=rng, point=point)
        headline = f._("The Fed replaced its {point} federal funds target with a target range "
                       "of {range}: a cut of {least} to {most} bp.").format(
            point=point, range=rng,
            least=int((event.from_point_target - event.target_high) * 100),
            most=int((event.from_point_target - event.target_low) * 100))
    elif event.decision == "hold":
        title = f._("FOMC statement: rates on hold at {range}").format(range=rng)
        headline = f._("The Fed held rates steady; the federal funds target range stays at "
                       "{range}.").format(range=rng)
    elif event.decision == "cut":
        title = f._("FOMC statement: {size} rate cut to {range}").format(
            size=f.bps(event.change_bps), range=rng)
        headline = f._("The Fed cut rates by {size}; the federal funds target range is now "
                       "{range}.").format(size=f.bps(event.change_bps), range=rng)
    else:
        title = f._("FOMC statement: {size} rate hike to {range}").format(
            size=f.bps(event.change_bps), range=rng)
        headline = f._("The Fed raised rates by {size}; the federal funds target range is now "
                       "{range}.").format(size=f.bps(event.change_bps), range=rng)
    if event.unscheduled:
        title = f._("Unscheduled {title}").format(title=title)
    lines = [headline]
    vote = _vote_line(event, f)
    if vote:
        lines.append(vote)
    lines.extend(_balance_sheet_line(action, f, event.meeting_date)
                 for action in event.balance_sheet)
    if event.note is not None:
        lines.extend(note_lines(event.note, f))
    if event.expectation is not None:
        lines.append(expectation_line(event.expectation, event.change_bps, f))
    lines.extend(_changes_lines(event, f))
    footer = (f._("Released {when}").format(when=f.moment(event.occurred_at, zone))
              if event.release_time_known else
              f._("Released on {day}").format(day=f.date(event.meeting_date)))
    if event.late:
        footer = f._("{footer} · detected late (the bot was offline)").format(footer=footer)
    return Section(
        language=f.language.value,
        title=title,
        lines=tuple(lines),
        link=event.url or None,  # a link not known from the input is left out
        link_label=f._("Full statement"),
        footer=footer,
    )


def note_lines(note: NoteRates, f: Formatter) -> list[str]:
    """The administered rates of the implementation note, and its runoff caps."""
    parts = []
    if note.iorb is not None:
        label = (f._("interest on excess reserves (IOER)") if note.iorb_label == "IOER" else
                 f._("interest on reserve balances (IORB)"))
        parts.append(f._("{label} {rate}").format(label=label, rate=f.rate(note.iorb)))
    if note.on_rrp is not None:
        parts.append(f._("overnight reverse repo (ON RRP) {rate}").format(
            rate=f.rate(note.on_rrp)))
    if note.primary_credit is not None:
        parts.append(f._("primary credit (discount) rate {rate}").format(
            rate=f.rate(note.primary_credit)))
    if note.srf_rate is not None:
        parts.append(f._("standing repo rate {rate}").format(rate=f.rate(note.srf_rate)))
    elif note.srf_min_bid is not None:
        parts.append(f._("standing repo minimum bid {rate}").format(
            rate=f.rate(note.srf_min_bid)))
    lines = []
    if parts:
        listing = f._(", ").join(parts)
        lines.append(f._("Administered rates from {day}: {rates}.").format(
            day=f.date(note.effective), rates=listing) if note.effective else
            f._("Administered rates: {rates}.").format(rates=listing))
    now = note.treasury_cap is not None and note.mbs_cap is not None
    later = note.treasury_cap_next is not None and note.mbs_cap_next is not None and \
        note.caps_next_from is not None
    if now:
        lines.append(f._("Runoff caps in the directive: {treasury} of Treasuries and {mbs} of "
                         "MBS a month.").format(treasury=_billions(f, note.treasury_cap),
                                                 mbs=_billions(f, note.mbs_cap)))
    if later:
        assert note.caps_next_from is not None
        lines.append(f._("From {month}, runoff caps of {treasury} of Treasuries and {mbs} of "
                         "MBS a month.").format(month=f.month(note.caps_next_from),
                                                treasury=_billions(f, note.treasury_cap_next),
                                                mbs=_billions(f, note.mbs_cap_next)))
    return lines


def move_phrase(bps: int, f: Formatter) -> str:
    if bps == 0:
        return f._("no change")
    if bps < 0:
        return f._("a {size} cut").format(size=f.bps(bps))
    return f._("a {size} hike").format(size=f.bps(bps))


def expectation_line(expectation: Expectation, change_bps: int, f: Formatter) -> str:
    """What the futures priced for the move made: as expected, divided, or a surprise."""
    realized = f.percent(expectation.realized, 0)
    move = move_phrase(change_bps, f)
    if expectation.realized >= EXPECTED:
        template = f._("Markets had priced {pct} for {move} (fed funds futures, {day}): as "
                       "expected.")
    elif expectation.realized >= DIVIDED:
        template = f._("Markets had priced {pct} for {move} (fed funds futures, {day}): "
                       "markets were divided.")
    else:
        template = f._("Markets had priced only {pct} for {move} (fed funds futures, {day}): "
                       "a surprise.")
    return template.format(pct=realized, move=move, day=f.date(expectation.as_of, year=False))


EXPECTED, DIVIDED = 0.6, 0.3


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
    """The member's name and, only where the statement says it, what they wanted."""
    wish = _dissent_wish(dissent, f)
    known = member(dissent.name)
    if known is not None and not f.zh and known.bank_en:  # Jeffrey M. Lacker (Richmond Fed)
        if wish:
            return f._("{name} ({bank} Fed; {wish})").format(name=dissent.name,
                                                             bank=known.bank_en, wish=wish)
        return f._("{name} ({bank} Fed)").format(name=dissent.name, bank=known.bank_en)
    if known is not None and f.zh:  # zh: 理事華勒（Christopher J. Waller，主張維持縮表步調）
        title = f._("Governor") if known.role == "governor" else f._("President")
        if known.bank_zh:  # 里奇蒙聯準銀行總裁拉克
            title = f._("{bank} Fed President").format(bank=known.bank_zh)
        if wish:
            return f._("{title} {zh_name} ({name}; {wish})").format(
                title=title, zh_name=known.zh, name=dissent.name, wish=wish)
        return f._("{title} {zh_name} ({name})").format(title=title, zh_name=known.zh,
                                                        name=dissent.name)
    return f._("{name} ({wish})").format(name=dissent.name, wish=wish) if wish else \
        dissent.name


def _dissent_wish(dissent: Dissent, f: Formatter) -> str | None:
    bps = dissent.preferred_change_bps
    if dissent.about == "rate":
        if bps is None:
            return None
        if bps == 0:
            return f._("preferred no change")
        if bps < 0:
            return f._("preferred a {size} cut").format(size=f.bps(bps, short=True))
        return f._("preferred a {size} hike").format(size=f.bps(bps, short=True))
    wishes = {
        "purchases_against": f._("opposed further asset purchases"),
        "purchases_for": f._("preferred asset purchases"),
        "purchases_keep": f._("opposed slowing the purchases"),
        "runoff": f._("on the pace of runoff"),
        "runoff_keep_pace": f._("preferred to keep the pace of runoff"),
        "maturity_extension": f._("opposed the maturity extension program"),
        "forward_guidance": f._("on the forward guidance"),
        "accommodation_against": f._("opposed additional accommodation"),
        "accommodation_for": f._("wanted additional accommodation"),
        "accommodation_concern": f._("concerned about the level of accommodation"),
        "balance_sheet": f._("on the balance sheet"),
    }
    return wishes.get(dissent.about)


def _billions(f: Formatter, value: Decimal | None) -> str:
    return f.usd_compact((value or Decimal(0)) * 1_000_000_000)


def _asset(f: Formatter, asset: str) -> str:
    names = {
        "treasury": f._("Treasury securities"),
        "mbs": f._("mortgage-backed securities (MBS)"),
        "agency_debt": f._("agency debt"),
        "all": f._("securities"),
    }
    return names.get(asset, asset)


def _money(f: Formatter, amount: Amount, billions: Decimal) -> str:
    text = _billions(f, billions)
    if amount.at_least:
        return f._("at least {amount}").format(amount=text)
    if amount.up_to:
        return f._("up to {amount}").format(amount=text)
    if amount.approximate:
        return f._("about {amount}").format(amount=text)
    return text


def amount_phrase(f: Formatter, amount: Amount) -> str:
    """One amount said for what it is: a total with its horizon, a monthly pace (and the
    pace it replaces), or a cut in the monthly pace."""
    asset = _asset(f, amount.asset)
    money = _money(f, amount, amount.billions)
    if amount.change == "cut":
        return f._("{asset} purchases cut by {amount} a month").format(asset=asset,
                                                                       amount=money)
    if amount.per == "month":
        if amount.was_billions is not None:
            return f._("{amount} of {asset} a month (was {was})").format(
                amount=money, asset=asset, was=_billions(f, amount.was_billions))
        return f._("{amount} of {asset} a month").format(amount=money, asset=asset)
    if amount.by is not None:
        text = f._("{amount} of {asset} in total by the end of {month}").format(
            amount=money, asset=asset, month=f.month(amount.by))
    else:
        text = f._("{amount} of {asset} in total").format(amount=money, asset=asset)
    if amount.added_billions is not None:
        text = f._("{total} (an increase of {added})").format(
            total=text, added=_money(f, amount, amount.added_billions))
    return text


def _tight_qualifier(f: Formatter, phrase: str) -> str:
    # zh: 「每月至少 700 億美元」, not 「每月 至少 700 億美元」 (the number keeps its space)
    return _ZH_QUALIFIER.sub(r"\1 ", phrase) if f.zh else phrase


_ZH_QUALIFIER = re.compile(r" (至少|約|最多) ")


def planned_caps(announced: date | None) -> list[ProgramChange]:
    """The runoff caps a plan published with a statement set, step by step, as the packaged
    program history records them (none known: an empty list, and nothing is guessed)."""
    if announced is None:
        return []
    return [c for c in packaged_changes() if c.announced == announced and c.regime == "QT"
            and c.treasury_cap is not None and c.mbs_cap is not None]


def _caps_steps(steps: list[ProgramChange], f: Formatter) -> str:
    first, *later = sorted(steps, key=lambda c: c.effective)
    parts = [f._("{treasury} of Treasuries and {mbs} of MBS a month").format(
        treasury=_billions(f, first.treasury_cap), mbs=_billions(f, first.mbs_cap))]
    if len(later) > 1:  # a ladder (2017: every three months): its top only
        last = later[-1]
        parts.append(f._("rising in steps to {treasury} and {mbs} from {month}").format(
            treasury=_billions(f, last.treasury_cap), mbs=_billions(f, last.mbs_cap),
            month=f.month(last.effective)))
    else:
        parts += [f._("{treasury} and {mbs} from {month}").format(
            treasury=_billions(f, step.treasury_cap), mbs=_billions(f, step.mbs_cap),
            month=f.month(step.effective)) for step in later]
    return f._("; ").join(parts)


def _balance_sheet_line(action: BalanceSheetAction, f: Formatter,
                        meeting_date: date | None = None) -> str:
    asset = _asset(f, action.asset)
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
        text = _effective(action, f, text)
    else:
        templates = {
            "purchases": f._("Balance sheet: asset purchases expand (quantitative easing, QE)"),
            "taper": f._("Balance sheet: asset purchases slow down (taper)"),
            "purchases_end": f._("Balance sheet: asset purchases end"),
            "reinvest": f._("Balance sheet: maturing principal will be reinvested (holdings "
                            "kept at their size)"),
            "maturity_extension": f._("Balance sheet: maturity extension (Operation Twist), "
                                      "buying longer-term Treasury securities and selling as "
                                      "much in shorter-term ones (no change in size)"),
            "runoff_start": f._("Balance sheet: runoff begins (quantitative tightening, QT)"),
            "runoff_end": f._("Balance sheet: runoff (quantitative tightening, QT) ends"),
            "reserve_management_purchases": f._("Balance sheet: purchases of shorter-term "
                                                "Treasury bills to keep reserves ample"),
        }
        text = _effective(action, f, templates[action.kind])
        if action.amounts:
            text = f._("{text}, {amounts}").format(
                text=text, amounts=f._("; ").join(_tight_qualifier(f, amount_phrase(f, a))
                                                   for a in action.amounts))
        elif action.kind == "runoff_start" and _PLAN_DOCUMENT.search(action.sentence):
            steps = planned_caps(meeting_date)
            text = (f._("{text}; monthly caps from the plan: {steps}").format(
                text=text, steps=_caps_steps(steps, f)) if steps else
                f._("{text}; the monthly caps are in the plan published with the "
                    "statement").format(text=text))
    return text + f._(".")


def _effective(action: BalanceSheetAction, f: Formatter, text: str) -> str:
    if not action.effective:
        return text
    when = f.month(action.effective) if action.effective_month_only else \
        f.date(action.effective)
    return f._("{text}, effective {when}").format(text=text, when=when)


_PLAN_DOCUMENT = re.compile(r"Plans for Reducing|Addendum|Normalization Principles", re.I)


def _changes_lines(event: FomcDecision, f: Formatter) -> list[str]:
    """What changed, most consequential first, in the reader's language; the rest one tap
    away (``/fomc diff``)."""
    worth = ranked(event.changes)
    if not worth:
        if event.unchanged_sentences and not event.changes:
            return [f._("Statement: no change in wording from the previous one.")]
        if event.changes:  # only the decision and trivial edits (a month, a noun)
            return [f._("Statement: otherwise no change of substance from the previous one.")]
        return []
    lines = [f._("What changed in the statement:")]
    lines += [say(item, f) for item in worth[:MAX_CHANGE_LINES]]
    if len(worth) > MAX_CHANGE_LINES:
        lines.append(f.ngettext("…and {n} more change: /fomc diff",
                                "…and {n} more changes: /fomc diff",
                                len(worth) - MAX_CHANGE_LINES).format(
            n=len(worth) - MAX_CHANGE_LINES))
    return lines
