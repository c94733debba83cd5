"""fedalert: bilingual Fed and BTC alerts for Telegram, Discord and the console."""

__version__ = "0.1.0"
