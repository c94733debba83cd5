"""fedalert: bilingual Fed and BTC alerts for Telegram, Discord and the console."""

__version__ = "0.2.0"
