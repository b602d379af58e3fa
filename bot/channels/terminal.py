"""Terminal channel: ``jiuzhu chat``.

Interactive in a TTY (a prompt, coloured replies); with piped stdin, one line per turn,
echoed as ``> line``, until EOF. Buttons are shown numbered (``[1] 查看我的待遇``); typing a
number presses the button of the last replies that had buttons, if those were the latest
replies (otherwise a number is just text: answers such as a household size are numbers
too). Empty lines are ignored. Documents are saved under ``<data_dir>/downloads/`` and
their path printed.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import TextIO

from rich.console import Console

from bot.channels.gateway import Button, Gateway, Reply, masked
from templates import texts

START = "/start"  # sent once when the chat opens, so a new user sees the welcome and menu


class TerminalChat:
    """One terminal conversation.

    :param gateway: the gateway (channel name ``terminal``).
    :param sender: the person's id in this channel.
    :param downloads: directory for documents (created on first document).
    :param stdin: input lines; ``sys.stdin`` by default.
    :param stdout: output; ``sys.stdout`` by default.
    """

    def __init__(
        self,
        gateway: Gateway,
        sender: str,
        downloads: Path,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self.gateway = gateway
        self.sender = sender
        self.downloads = downloads
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.interactive = self.stdin.isatty() and self.stdout.isatty()
        self.console = Console(file=self.stdout, highlight=False, soft_wrap=True)
        self.buttons: list[Button] = []
        self.l10n = texts("bot")

    async def run(self, *, greet: bool = True) -> None:
        """Chat until EOF (or Ctrl-C / Ctrl-D in a TTY)."""
        if self.interactive:
            # asyncio.run's SIGINT handler only cancels the task once the loop runs, which it
            # cannot while input() blocks: let Ctrl-C raise KeyboardInterrupt in input().
            signal.signal(signal.SIGINT, signal.default_int_handler)
            self.console.print(self.l10n.t("terminal-hint"), style="dim", markup=False)
        if greet:
            await self.send(START)
        while True:
            try:
                # Read in this thread: one person, one turn at a time, and Ctrl-C must reach
                # the read (a worker thread blocked in input() would hang the exit).
                line = self._read_line()
            except (EOFError, KeyboardInterrupt):
                break
            if line is None:
                break
            text = line.strip()
            if not text:
                continue
            button = self._button(text)
            if button is None and self.buttons and text.isdigit() and len(text) <= 2:
                # "7" with six buttons is a slip of the finger, not a message for the bot.
                hint = self.l10n.t("terminal-no-such-button", count=len(self.buttons))
                self.console.print(hint, style="dim", markup=False)
                continue
            if not self.interactive:
                shown = f"> {text}" if button is None else f"> {text} → {button['title']}"
                self.console.print(shown, markup=False)
            await self.send(text if button is None else button["payload"])

    async def send(self, text: str) -> None:
        """Send ``text`` (or a pressed button's payload) and print the replies."""
        replies = await self.gateway.handle(self.sender, text)
        self._show(replies)

    def _button(self, text: str) -> Button | None:
        if text.isdigit() and 1 <= int(text) <= len(self.buttons):
            return self.buttons[int(text) - 1]
        return None

    def _read_line(self) -> str | None:
        if self.interactive:
            self.console.print(self.l10n.t("terminal-prompt"), style="bold cyan", end=" ")
            return input()
        line = self.stdin.readline()
        return None if line == "" else line

    def _show(self, replies: list[Reply]) -> None:
        buttons: list[Button] = []
        for reply in replies:
            if reply["text"]:
                style = "green" if self.interactive else None
                self.console.print(reply["text"], style=style, markup=False)
            for button in reply["buttons"]:
                buttons.append(button)
                self.console.print(f"  [{len(buttons)}] {button['title']}", markup=False)
            document = reply.get("document")
            if document is not None:
                path = self._save(document["filename"], document["data"])
                saved = self.l10n.t("terminal-document-saved", path=path)
                self.console.print(f"  {saved}", markup=False)
        # Numbers press buttons only while the latest replies show buttons.
        self.buttons = buttons
        if self.interactive or replies:
            self.console.print()

    def _save(self, filename: str, data: bytes) -> Path:
        folder = self.downloads / masked(self.sender)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (Path(filename).name or "document")
        path.write_bytes(data)
        return path.resolve()
