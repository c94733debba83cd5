"""One sample event of every kind (real April 2025 figures where there are any)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from bot.topics.btc.events import PriceCrossing, PriceMove
from bot.topics.fomc.events import BalanceSheetAction, Dissent, FomcDecision, StatementChange
from bot.topics.h41.events import BalanceSheetRelease, RegimeChange
from bot.topics.odds.events import MeetingOdds, OddsShift


def samples() -> dict[str, object]:
    return {
        "fomc_hold_2025_03_19": FomcDecision(
            occurred_at=datetime(2025, 3, 19, 18, 0, tzinfo=UTC),
            meeting_date=date(2025, 3, 19), decision="hold", change_bps=0,
            target_low=Decimal("4.25"), target_high=Decimal("4.50"), votes_for=11,
            dissenters=(Dissent(name="Christopher J. Waller", about="balance_sheet",
                                preferred="preferred to continue the current pace of decline "
                                          "in securities holdings"),),
            balance_sheet=(BalanceSheetAction(
                kind="cap_change", asset="treasury", from_billions=Decimal(25),
                to_billions=Decimal(5), effective=date(2025, 4, 1),
                sentence="Beginning in April, the Committee will slow the pace of decline..."),),
            changes=(StatementChange(op="added", after="Uncertainty around the economic "
                                                        "outlook has increased."),
                     StatementChange(op="removed", before="The Committee judges that the "
                                     "risks to achieving its employment and inflation goals "
                                     "are roughly in balance.")),
            url="https://www.federalreserve.gov/newsevents/pressreleases/monetary20250319a.htm",
        ),
        "fomc_cut_2025_09_17": FomcDecision(
            occurred_at=datetime(2025, 9, 17, 18, 0, tzinfo=UTC),
            meeting_date=date(2025, 9, 17), decision="cut", change_bps=-25,
            target_low=Decimal("4.00"), target_high=Decimal("4.25"), votes_for=11,
            dissenters=(Dissent(name="Stephen I. Miran", preferred_change_bps=-50,
                                preferred="preferred to lower the target range by 1/2 "
                                          "percentage point"),),
            url="https://www.federalreserve.gov/newsevents/pressreleases/monetary20250917a.htm",
        ),
        "fomc_hike_2022_06_15_late": FomcDecision(
            occurred_at=datetime(2022, 6, 15, 18, 0, tzinfo=UTC), late=True,
            meeting_date=date(2022, 6, 15), decision="hike", change_bps=75,
            target_low=Decimal("1.50"), target_high=Decimal("1.75"), votes_for=10,
            dissenters=(Dissent(name="Esther L. George", preferred_change_bps=50),),
            url="https://www.federalreserve.gov/newsevents/pressreleases/monetary20220615a.htm",
        ),
        "h41_2025_04_16": BalanceSheetRelease(
            occurred_at=datetime(2025, 4, 17, 20, 30, tzinfo=UTC),
            week_ending=date(2025, 4, 16), release_date=date(2025, 4, 17),
            total_assets=6_730_155, securities=6_269_049, treasuries=4_228_396,
            mbs=2_216_180, reserves=3_372_000, reserves_basis="week_average",
            total_assets_change_1w=-12_500, securities_change_1w=-8_112,
            treasuries_change_1w=-4_021, mbs_change_1w=0, reserves_change_1w=35_000,
            total_assets_change_4w=-27_000, total_assets_change_13w=-90_000,
            total_assets_change_52w=-680_000, securities_change_13w=-85_000,
            peak_total_assets=8_965_487, peak_week=date(2022, 4, 13), regime="QT",
            chart="h41-2025-04-16",
            url="https://www.federalreserve.gov/releases/h41/20250417/",
        ),
        "h41_regime_2020_03": RegimeChange(
            occurred_at=datetime(2020, 3, 26, 20, 30, tzinfo=UTC),
            week_ending=date(2020, 3, 25), previous="flat", regime="QE",
            securities=4_300_000, securities_change_13w=700_000,
        ),
        "odds_cut_2025_04": OddsShift(
            occurred_at=datetime(2025, 4, 10, 21, 0, tzinfo=UTC),
            as_of=date(2025, 4, 10), meeting_date=date(2025, 5, 7), move="cut",
            probability=0.613, previous_day=0.48, previous_week=0.35, reason="crossed_up",
            threshold=0.5, current_range=(Decimal("4.25"), Decimal("4.50")),
            meetings=(
                MeetingOdds(meeting_date=date(2025, 5, 7),
                            probabilities={"400-425": 0.613, "425-450": 0.387},
                            cut=0.613, hold=0.387, hike=0.0),
                MeetingOdds(meeting_date=date(2025, 6, 18),
                            probabilities={"375-400": 0.40, "400-425": 0.45, "425-450": 0.15},
                            cut=0.85, hold=0.15, hike=0.0),
            ),
        ),
        "btc_below_80000": PriceCrossing(
            occurred_at=datetime(2025, 4, 7, 1, 15, tzinfo=UTC), direction="below",
            level=Decimal(80000), price=Decimal("79842.15"),
            sources=("Binance", "OKX", "Coinbase", "Kraken"), quote="USD/USDT",
            crossing_id="1",
        ),
        "btc_above_80000_late": PriceCrossing(
            occurred_at=datetime(2025, 4, 11, 14, 2, tzinfo=UTC), late=True,
            direction="above", level=Decimal(80000), price=Decimal("81250"),
            sources=("Coinbase", "Kraken"), quote="USD", crossing_id="2",
            gap_started=datetime(2025, 4, 11, 13, 40, tzinfo=UTC),
        ),
        "btc_move_down_1h": PriceMove(
            occurred_at=datetime(2025, 4, 7, 1, 30, tzinfo=UTC), change_pct=-5.4,
            window_minutes=60, reference_price=Decimal(83000),
            reference_at=datetime(2025, 4, 7, 0, 30, tzinfo=UTC), price=Decimal("78518"),
            sources=("Binance", "OKX", "Coinbase"), quote="USD/USDT",
        ),
    }
