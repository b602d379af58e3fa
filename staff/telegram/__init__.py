"""The Telegram staff group: a second interface to the case queue, next to the console.

Each new case is posted to the group (``JIUZHU_TELEGRAM_STAFF_CHAT_ID``) as a masked card
(:mod:`.cards`) by :mod:`.notifier`; staff linked to their accounts take and close cases
under it and reply to the resident in its thread (:mod:`.group`, :mod:`.router`). The
Telegram channel (``bot/channels/telegram.py``) runs it next to the residents' dialogue.
"""
