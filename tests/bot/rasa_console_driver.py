"""Rasa 3.6's own console client (``rasa shell``'s code), driven line by line.

Run with the Rasa venv's Python, never jiuzhu's (it imports only Rasa):

    python rasa_console_driver.py URL TOKEN SENDER block|stream

Each line read from stdin is sent as ``rasa shell`` sends it, with
``rasa.core.channels.console.send_message_receive_block`` (non-streaming) or
``_send_message_receive_stream`` (``rasa shell``'s default), and every message received is
printed by the console's own ``_print_bot_output``; then ``@@turn-end@@``. Only what
``record_messages`` does interactively is left out (questionary's prompt for the last
message's buttons): the test presses a button by sending its printed payload.
"""

import asyncio
import sys

from rasa.core.channels import console

TURN_END = "@@turn-end@@"
REQUEST_TIMEOUT = 120  # seconds; Rasa's default (10) is short for a first pre-check


async def main(url: str, token: str, sender: str, mode: str) -> None:
    for line in sys.stdin:
        text = line.rstrip("\n")
        if mode == "stream":
            async for message in console._send_message_receive_stream(
                url, token, sender, text, request_timeout=REQUEST_TIMEOUT
            ):
                console._print_bot_output(message)
        else:
            for message in await console.send_message_receive_block(url, token, sender, text):
                console._print_bot_output(message)
        print(TURN_END, flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
