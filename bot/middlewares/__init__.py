"""Middlewares around every update: texts, throttling, idle handling.

Registered by :func:`bot.dispatcher.build_dispatcher` as outer middlewares on
``dp.update``, after aiogram's own (errors, user context, FSM), so ``state`` and
``event_from_user`` are already in the handler data.
"""
