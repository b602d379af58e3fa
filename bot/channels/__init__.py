"""Channels: every way a resident reaches the one dialogue.

``capture`` records the Bot API calls of handlers instead of sending them to Telegram;
``gateway`` turns a channel's input into an aiogram Update and the recorded calls into
channel-neutral replies; ``rest`` and ``terminal`` are two channels built on the gateway.
"""
