"""Numbers, money, dates and times for one language, through Babel.

Chinese uses its large-number units with a space before the unit, as the glossary
settles: 8 萬美元, 950 億美元, 6.71 兆美元. English writes $80,000, $95 billion,
$6.71 trillion. Times are shown in U.S. Eastern and in the chat's own zone, with the
date wherever the two differ.
"""

from __future__ import annotations

import gettext as gettext_module
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers

from bot.domain.chats import Language
from bot.render.i18n import translations

Day = date  # the type, under a name the ``Formatter.date`` method does not hide

EASTERN = ZoneInfo("America/New_York")
Number = Decimal | int | float

ZH_ZONE_NAMES = {
    "Asia/Taipei": "台灣時間",
    "Asia/Hong_Kong": "香港時間",
    "Asia/Macau": "澳門時間",
    "Asia/Shanghai": "北京時間",
    "Asia/Singapore": "新加坡時間",
    "Asia/Tokyo": "日本時間",
    "Asia/Kuala_Lumpur": "馬來西亞時間",
    "Europe/London": "倫敦時間",
    "America/New_York": "美東時間",
    "America/Los_Angeles": "美西時間",
    "America/Chicago": "美中時間",
    "Australia/Sydney": "雪梨時間",
    "UTC": "UTC",
    "Etc/UTC": "UTC",
}
ZH_UNITS = ((Decimal(10) ** 12, "兆"), (Decimal(10) ** 8, "億"), (Decimal(10) ** 4, "萬"))
EN_UNITS = ((Decimal(10) ** 12, "trillion"), (Decimal(10) ** 9, "billion"),
            (Decimal(10) ** 6, "million"))


def _dec(value: Number) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _significant(value: Decimal, digits: int = 3) -> Decimal:
    """Round to about ``digits`` significant digits, keeping every integer digit."""
    if value == 0:
        return value
    integer_digits = len(str(int(abs(value)))) if abs(value) >= 1 else 0
    decimals = max(0, digits - integer_digits)
    quantum = Decimal(1).scaleb(-decimals)
    return value.quantize(quantum, rounding=ROUND_HALF_UP).normalize()


def _round_significant(value: Decimal, digits: int) -> Decimal:
    """``value`` rounded to ``digits`` significant digits (integers stay integers)."""
    if value == 0:
        return value
    exponent = value.adjusted() - digits + 1
    return value.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP) if exponent > 0 \
        else value


@dataclass(frozen=True, slots=True)
class Formatter:
    """Texts and numbers of one single language: ``_()`` for catalog strings, plus units.

    Sentence templates come from the gettext catalog; the unit conventions below (萬/億/兆,
    碼, zone names) are locale data in the way CLDR's are, so they live in code.
    """

    language: Language
    catalog: gettext_module.NullTranslations = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "catalog", translations(self.language))

    def _(self, message: str) -> str:
        return self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.catalog.ngettext(singular, plural, count)

    def pgettext(self, context: str, message: str) -> str:
        """A short word that needs its context to translate (a command or option name)."""
        return self.catalog.pgettext(context, message)

    def sentences(self, *parts: str) -> str:
        """Sentences one after another: a space between them in English, none after
        Chinese full-width punctuation (never 「。 （」)."""
        joint = "" if self.language is Language.ZH_HANT else " "
        return joint.join(part.strip() for part in parts if part and part.strip())

    @property
    def locale(self) -> str:
        return "zh_Hant_TW" if self.language is Language.ZH_HANT else "en_US"

    @property
    def zh(self) -> bool:
        return self.language is Language.ZH_HANT

    # Numbers -------------------------------------------------------------------------
    def number(self, value: Number, decimals: int = 0) -> str:
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return babel_numbers.format_decimal(_dec(value), format=pattern, locale=self.locale,
                                            decimal_quantization=True)

    def plain(self, value: Number) -> str:
        """A number with grouping and only the decimals it needs (80,000; 4.25)."""
        return babel_numbers.format_decimal(_dec(value).normalize(), locale=self.locale)

    def percent(self, fraction: Number, decimals: int = 1) -> str:
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
        return babel_numbers.format_percent(_dec(fraction), format=pattern, locale=self.locale,
                                            decimal_quantization=True)

    def points(self, fraction_change: Number) -> str:
        """A change of a probability in percentage points, signed: +26.0 / −3.5."""
        value = _dec(fraction_change) * 100
        sign = "+" if value > 0 else ("−" if value < 0 else "±")
        return sign + self.number(abs(value), 1)

    def rate(self, percent: Number) -> str:
        return self.number(percent, 2) + "%"

    def rate_range(self, low: Number, high: Number) -> str:
        return f"{self.rate(low)}–{self.rate(high)}"

    # Money ---------------------------------------------------------------------------
    def usd(self, value: Number, decimals: int = 0) -> str:
        """An exact dollar amount: 79,842 美元 / $79,842."""
        text = self.number(abs(_dec(value)), decimals)
        sign = "-" if _dec(value) < 0 else ""
        return f"{sign}{text} 美元" if self.zh else f"{sign}${text}"

    def usd_compact(self, value: Number) -> str:
        """A large amount in words: 6.71 兆美元, 950 億美元, 8 萬美元 / $6.71 trillion."""
        amount = _dec(value)
        # both languages show the same three significant digits: 6,780 億 beside $678
        # billion, not 6,784 億 (億 is a tenth of a billion, so it would show one more)
        units = ZH_UNITS if self.zh else EN_UNITS
        magnitude = abs(amount)
        if magnitude >= units[-1][0]:
            magnitude = _round_significant(magnitude, 3)
        sign = "-" if amount < 0 else ""
        for size, unit in units:
            if magnitude >= size:
                scaled = _significant(magnitude / size)
                text = self.plain(scaled)
                return f"{sign}{text} {unit}美元" if self.zh else f"{sign}${text} {unit}"
        return f"{sign}{self.usd(magnitude)}"

    def usd_level(self, value: Number) -> str:
        """A price level as people say it: 8 萬美元 for 80,000, but 79,842 美元 as is."""
        amount = _dec(value)
        if self.zh and amount >= 10_000 and (amount % 1000 == 0):
            return self.usd_compact(amount)
        decimals = 0 if amount == amount.to_integral_value() else 2
        return self.usd(amount, decimals)

    def usd_millions(self, millions: Number) -> str:
        return self.usd_compact(_dec(millions) * 1_000_000)

    def signed_usd_millions(self, millions: Number) -> str:
        """+125 億美元 / −$12.5 billion (sign always shown, zero as ±0)."""
        amount = _dec(millions)
        sign = "+" if amount > 0 else ("−" if amount < 0 else "±")
        return sign + self.usd_millions(abs(amount))

    # Dates and times -----------------------------------------------------------------
    def date(self, day: date, *, year: bool = True) -> str:
        if self.zh:
            pattern = "y 年 M 月 d 日" if year else "M 月 d 日"
        else:
            pattern = "MMM d, y" if year else "MMM d"
        return babel_dates.format_date(day, pattern, locale=self.locale)

    def month(self, day: Day) -> str:
        """A month and year: "June 2011" / 「2011 年 6 月」."""
        pattern = "y 年 M 月" if self.zh else "MMMM y"
        return babel_dates.format_date(day, pattern, locale=self.locale)

    def weekday(self, day: Day) -> str:
        return babel_dates.format_date(day, "EEEE", locale=self.locale)

    def clock(self, local: datetime) -> str:
        """The time of day of an aware datetime, in its own zone: 凌晨 2:00 / 2:00 AM."""
        if self.zh:
            return babel_dates.format_time(local, "B h:mm", locale=self.locale)
        return babel_dates.format_time(local, "h:mm a", locale=self.locale)

    def zone_name(self, zone_name: str) -> str:
        if self.zh:
            name = ZH_ZONE_NAMES.get(zone_name)
            if name:
                return name
            return babel_dates.get_timezone_location(ZoneInfo(zone_name), locale=self.locale)
        if zone_name in ("UTC", "Etc/UTC"):
            return "UTC"
        city = babel_dates.get_timezone_location(ZoneInfo(zone_name), locale=self.locale,
                                                 return_city=True)
        return f"{city} time"

    def moment(self, moment: datetime, zone_name: str, *, with_date: bool = True) -> str:
        """``美東時間 3 月 19 日下午 2:00（台灣時間 3 月 20 日凌晨 2:00）``.

        The chat's zone comes second; it is left out when it is U.S. Eastern itself.
        """
        et = moment.astimezone(EASTERN)
        local_zone = ZoneInfo(zone_name)
        local = moment.astimezone(local_zone)
        et_text = self._at(et, with_date)
        if zone_name == "America/New_York":
            return self._("{et_time} ET").format(et_time=et_text)
        local_text = self._at(local, with_date or local.date() != et.date())
        return self._("{et_time} ET ({local_time} {zone})").format(
            et_time=et_text, local_time=local_text, zone=self.zone_name(zone_name))

    def _at(self, local: datetime, with_date: bool) -> str:
        clock = self.clock(local)
        if not with_date:
            return clock
        day = self.date(local.date(), year=False)
        return self._("{date}, {time}").format(time=clock, date=day)

    def local_moment(self, moment: datetime, zone_name: str) -> str:
        """Only the chat's own zone: ``台灣時間 4 月 7 日上午 9:15``."""
        local = moment.astimezone(ZoneInfo(zone_name))
        return self._("{local_time} {zone}").format(
            local_time=self._at(local, True), zone=self.zone_name(zone_name))

    # Rates in the colloquial unit ----------------------------------------------------
    def bps(self, bps: int, *, short: bool = False) -> str:
        """``1 碼（25 個基點）`` / ``25 bp``; quarter points are 碼 in Taiwan.

        ``short`` drops the basis points where the text is already in parentheses.
        """
        size = abs(bps)
        if self.zh:
            if size % 25 == 0 and size:
                return f"{size // 25} 碼" if short else f"{size // 25} 碼（{size} 個基點）"
            return f"{size} 個基點"
        return f"{size} bp"
