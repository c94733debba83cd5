"""The macro topic's settings: ``[macro]`` in the settings file, ``FEDALERT_MACRO__…``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.config import HttpUrl


class MacroSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="Watch the CPI, jobs, PCE and GDP releases")
    contact: str = Field(
        "", description="The operator's e-mail or URL, sent in the User-Agent: BLS refuses "
        "anonymous clients (e.g. ops@example.org)")
    bls_url: HttpUrl = "https://www.bls.gov"
    bea_url: HttpUrl = "https://www.bea.gov"
    bea_feed_url: HttpUrl = "https://apps.bea.gov/rss/rss.xml"
    lead_seconds: float = Field(5.0, ge=0, le=120,
                                description="Start polling this long before the release time")
    burst_seconds: float = Field(900.0, ge=10, description="Poll fast this long after it")
    burst_poll_seconds: float = Field(1.0, ge=0.5, le=30,
                                      description="Between two reads of a release page in "
                                      "the window (at most one request a second per page)")
    preview_hour: int = Field(20, ge=0, le=23, description="Local hour of the evening-before "
                              "preview, for chats that ask for it (/macro preview on)")
    quiet_poll_seconds: float = Field(
        1800.0, ge=60, description="Between reads outside a scheduled window (a release the "
        "schedule does not know is still read, later)")


SECTION = ("macro", MacroSettings)
