"""Text messages to residents' phones: the senders and the worker that drains ``sms_outbox``.

- :mod:`sms.senders`: the :class:`~sms.senders.SmsSender` protocol, the demo sender (logs,
  masked) and :func:`~sms.senders.make_sender`, which picks one from the settings;
- :mod:`sms.aliyun`: Alibaba Cloud SMS through its own SDK;
- :mod:`sms.outbox`: claiming due rows (safe with several workers) and recording results;
- :mod:`sms.worker`: the loop (``jiuzhu sms-worker``, and in the background of ``jiuzhu serve``).

A service: it reads the store and never imports ``bot``.
"""
