"""For any sequence of messages in any state, the dialogue keeps its promises.

A hypothesis state machine plays one resident per example (a sender of its own) through the
channel gateway: it presses buttons it was just shown or earlier, gives the story families'
ID numbers and wrong ones, types the code the demo just showed and wrong codes, answers the
authorization (同意, 不同意, "ok", "知道了"...), asks for the menu's journeys, sends commands
and arbitrary text (any code point). After every message:

- **no crash**: every reply a dict with a ``str`` text; none says the generic error
  ("系统出了点问题") or a traceback; nothing was logged at ERROR or with an exception;
- **state**: the FSM state is one of the dialogue's (or none), and moves as the flow says:
  a hedged answer leaves the authorization waiting, 同意 asks for the ID number, a wrong
  code keeps the code step, the right one proves identity; identity (``person_id``) is set
  only by the code shown for that person; ``/start``, ``/logout`` forget it;
- **audit**: every new audit row names a consent iff it was allowed, and that consent is
  the person's own; the department records read (SELECTs on record tables) are exactly the
  kinds the new allowed audit rows list; when a pre-check result goes out, every member of
  the family already has a committed audit row of this message (a fresh session sees it);
- **consent**: a chat consent is recorded only after this resident explicitly agreed at the
  authorization (the 同意授权 button, or 同意 / 我同意 / 同意授权 / I agree), for the person who
  signed in and, as guardian, only for minors of theirs; never twice for one agreement;
- **privacy**: before identity is proven no reply names a story member (in full or masked)
  or shows an ID number; no log record holds a member's name, ID number or phone in clear.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from hypothesis import Phase, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from bot.callbacks import SignInCb
from bot.states import Change, Identity, Menu, Revoke
from bot.states import Consent as Authorization
from store.demo.fixtures import fixtures_as_of
from store.models import Consent, Person
from tests.journeys.conftest import story_ids
from tests.properties.conftest import PRECHECK_TITLE, PROFILE, TRACEBACK, Harness, examples

STATES = {None} | {s.state for g in (Menu, Authorization, Identity, Revoke, Change)
                   for s in g.__all_states__}
GENERIC_ERROR = "系统出了点问题"
CODE = re.compile(r"本次验证码：(\d{6})")
TOO_MANY = "一小时内能尝试的次数已经用完"

AGREE_PAYLOAD = SignInCb(action="agree").pack()
DECLINE_PAYLOAD = SignInCb(action="decline").pack()
EXPLICIT_AGREE = ["同意", "我同意", "同意授权", "I agree", "我同意。", " 同意 "]
EXPLICIT_DECLINE = ["不同意", "我不同意", "不同意授权"]
_AGREE_WORDS = {"同意", "我同意", "同意授权", "我同意授权", "iagree", "agree"}
_DECLINE_WORDS = {"不同意", "我不同意", "不同意授权", "我不同意授权"}
_NOT_A_WORD = re.compile(r"[\W_]+")


def explicit(text: str) -> str | None:
    """``agree`` / ``decline`` when ``text`` is one of the plain sentences of the brief, with
    spaces, punctuation, symbols and invisible characters ignored; else None."""
    plain = _NOT_A_WORD.sub("", unicodedata.normalize("NFKC", text).lower())
    return "agree" if plain in _AGREE_WORDS else "decline" if plain in _DECLINE_WORDS else None


NOT_CONSENT = ["ok", "OK", "y", "yes", "知道了", "收到", "好的", "嗯", "可以", "也许吧", "maybe",
               "false", "同意吗", "不知道", "👍"]  # fmt: skip
MENU = [
    "我想申请低保", "查看我的待遇", "申请进度", "政策咨询", "报告变化", "转人工",
    "/start", "/menu", "/cancel", "/logout", "/help", "/assert abc.def",
    "我要撤回授权", "下载核查报告", "我老公没工作了", "好了，再见", "申请/测算",
]  # fmt: skip
STORIES = "ABCD"
FAMILIES = {f.story: f for f in fixtures_as_of()}
MEMBER_IDS = [i for s in STORIES for i in story_ids(s)]
OTHER_IDS = [
    "11010519491231002X",  # valid, not on file
    "441825199003059021",  # wrong check character
    "4418251990030590",  # too short
    "４４１８２５１９９００３０５９０２Ｘ",  # full width
]
NAMES = sorted(
    {m.name for f in FAMILIES.values() for m in f.members}
    | {m.name[0] + "*" for f in FAMILIES.values() for m in f.members}
    | {m.name[0] + "**" for f in FAMILIES.values() for m in f.members}
)
ANY_CHAR = st.characters(codec=None, exclude_categories=())
SPECIAL = ["\ud800", "\x00", "\u202e", "😀", "你好", " ", "\n", "\u200b", "\ufeff", "\x1b[2J"]
ARBITRARY = st.one_of(
    st.text(ANY_CHAR, max_size=30),
    st.lists(
        st.sampled_from(SPECIAL + MENU + EXPLICIT_AGREE) | st.text(ANY_CHAR, max_size=4),
        max_size=4,
    ).map("".join),
    st.text(st.sampled_from("0123456789 零一二三四五六七八九X"), min_size=1, max_size=20),
)


@dataclass
class Step:
    """One message of the conversation, for failure reports."""

    text: str
    before: str | None
    after: str | None
    replies: str

    def __str__(self) -> str:
        return f"{self.text!r} [{self.before} → {self.after}]: {self.replies[:160]!r}"


class Conversation(RuleBasedStateMachine):
    """One resident; every rule sends one message and checks every property after it."""

    harness: Harness  # set on the class by the test

    def __init__(self) -> None:
        super().__init__()
        self.h = self.harness
        self.sender = self.h.new_sender("prop")
        self.n = 0
        self.last: list[dict[str, Any]] = []
        self.payloads: list[str] = []  # every button payload shown, oldest first
        self.codes: dict[str, int | None] = {}  # demo code → the pending person it was for
        self.code: str | None = None  # the latest code shown
        self.agreed = False  # explicitly agreed at the authorization, not yet recorded
        self.steps: list[Step] = []
        self.h.stats["examples"] += 1

    # --- moves ------------------------------------------------------------------------------

    # No rule has a precondition and no strategy depends on what the dialogue said: what
    # hypothesis draws is the same on every replay (a move that does not apply does nothing).

    @initialize()
    def demo_data(self) -> None:
        self.h.restore()

    @rule(i=st.integers(0, 30))
    def press(self, i: int) -> None:
        if buttons := self._buttons():
            self.send(buttons[i % len(buttons)])

    @rule(i=st.integers(0, 200))
    def press_earlier(self, i: int) -> None:
        if self.payloads:
            self.send(self.payloads[-1 - i % len(self.payloads)])

    @rule(story=st.sampled_from(STORIES))
    def follow_the_flow(self, story: str) -> None:
        """What a resident applying would do next: the way to the pre-check."""
        state = self.h.run(self.h.fsm(self.sender))[0]
        if state == Authorization.asked.state:
            self.send(AGREE_PAYLOAD if AGREE_PAYLOAD in self.payloads else "同意")
        elif state == Identity.id_number.state:
            self.send(story_ids(story)[0])
        elif state == Identity.code.state and self.code is not None:
            self.send(self.code)
        else:
            self.send("我想申请低保")

    # Twice more, so that a good share of the examples reach a sign-in and a pre-check.
    @rule(story=st.sampled_from(STORIES))
    def go_on(self, story: str) -> None:
        self.follow_the_flow(story)

    @rule(story=st.sampled_from(STORIES))
    def go_on_again(self, story: str) -> None:
        self.follow_the_flow(story)

    @rule(id_number=st.sampled_from(MEMBER_IDS + OTHER_IDS), spaced=st.booleans())
    def give_id_number(self, id_number: str, spaced: bool) -> None:
        if spaced:
            id_number = f"我的身份证是 {id_number[:6]} {id_number[6:14]} {id_number[14:]}"
        self.send(id_number)

    @rule()
    def give_the_code(self) -> None:
        if self.code is not None:
            self.send(self.code)

    @rule(
        code=st.from_regex(r"[0-9]{6}", fullmatch=True)
        | st.sampled_from(["12345", "abcdef", "一二三四五六", "１２３４５６", "000 000"])
    )
    def give_a_wrong_code(self, code: str) -> None:
        if code != self.code:
            self.send(code)

    @rule(text=st.sampled_from(EXPLICIT_AGREE + EXPLICIT_DECLINE + NOT_CONSENT))
    def answer_the_authorization(self, text: str) -> None:
        self.send(text)

    @rule(text=st.sampled_from(MENU))
    def ask(self, text: str) -> None:
        self.send(text)

    @rule(text=ARBITRARY)
    def say_anything(self, text: str) -> None:
        self.send(text)

    def _buttons(self) -> list[str]:
        return [b["payload"] for r in self.last for b in r.get("buttons") or []]

    # --- one message and its properties -----------------------------------------------------

    def send(self, text: str) -> None:
        self.h.run(self._send(text))

    async def _send(self, text: str) -> None:
        h = self.h
        before, data_before = await h.fsm(self.sender)
        audit_mark, consent_mark = await h.marks()
        h.audit_mark, h.record_selects = audit_mark, 0
        h.shown.clear()
        leaks, errors = len(h.logs.leaks), h.logs.error_count
        answer = self._answer(text) if before == Authorization.asked.state else None
        if answer is not None:
            self.agreed = answer == "agree"

        self.n += 1
        replies = await h.gateway.handle(self.sender, text, f"{self.sender}-{self.n}")

        after, data = await h.fsm(self.sender)
        said = "\n".join(str(r.get("text")) for r in replies)
        self.steps.append(Step(text, before, after, said))
        note(f"step {self.n}: {self.steps[-1]}")
        context = self._context()

        # no crash
        assert isinstance(replies, list), context
        for reply in replies:
            assert isinstance(reply, dict) and isinstance(reply.get("text"), str), context
            assert isinstance(reply.get("buttons", []), list), context
        if GENERIC_ERROR in said or h.logs.error_count != errors:  # one failure per cause
            failure = "the generic error" if GENERIC_ERROR in said else "an error logged"
            raise AssertionError(f"{failure}: {context}") from h.logs.failure(errors)
        assert not TRACEBACK.search(said), context
        # state
        assert after in STATES, context
        # audit
        audits, consents = await h.new_rows(audit_mark, consent_mark)
        for row in audits:
            assert (row.consent_id is not None) == row.allowed, (vars(row), context)
        await self._relied_on_own_consent(audits, context)
        read_kinds = sum(len(r.record_kinds.split(",")) for r in audits if r.allowed)
        assert h.record_selects == read_kinds, (
            f"{h.record_selects} department record reads, {read_kinds} audited: {context}"
        )
        if PRECHECK_TITLE in said:
            assert h.shown, f"a pre-check result went out unobserved: {context}"
        for shown in h.shown:
            assert shown.family_id is not None, context
            assert shown.unaudited == [], (
                f"pre-check shown before the audit rows of persons {shown.unaudited} were "
                f"committed: {context}"
            )
        # consent
        self._consents(consents, data, context)
        # flow
        self._flow(text, answer, before, data_before, after, data, said, context)
        # privacy
        assert not h.logs.leaks[leaks:], f"logged in clear: {h.logs.leaks[leaks:][:3]}\n{context}"
        if not data_before.get("person_id") and not data.get("person_id"):
            shown_bits = [b for b in NAMES + MEMBER_IDS if b in said and b not in text]
            assert not shown_bits, f"personal data before identity: {shown_bits}: {context}"
        assert not [i for i in MEMBER_IDS if i in said and i not in text], context

        stats = h.stats
        stats["steps"] += 1
        stats[f"state {after}"] += 1
        stats["pre-checks shown"] += bool(h.shown)
        stats["chat consents recorded"] += len(consents)
        stats["audit rows"] += len(audits)
        stats["sign-ins"] += bool(data.get("person_id")) and not data_before.get("person_id")
        # remember what was shown
        self.last = list(replies)
        for r in replies:
            self.payloads += [b["payload"] for b in r.get("buttons") or []]
        for code in CODE.findall(said):
            self.codes[code] = data.get("pending_person_id")
            self.code = code

    async def _relied_on_own_consent(self, audits: list[Any], context: str) -> None:
        ids = {r.consent_id for r in audits if r.consent_id is not None}
        if not ids:
            return
        async with self.h.sessionmaker() as session:
            rows = await session.execute(
                select(Consent.id, Consent.revoked_at, Person.id_number_hash)
                .join(Person, Person.id == Consent.person_id)
                .where(Consent.id.in_(ids))
            )
            owner = {cid: (revoked, h) for cid, revoked, h in rows}
        for r in audits:
            if r.consent_id is not None:
                revoked, person_hash = owner[r.consent_id]
                assert person_hash == r.person_hash, f"another person's consent: {context}"
                assert revoked is None, f"a read on a revoked consent: {context}"

    def _consents(self, consents: list[Any], data: dict[str, Any], context: str) -> None:
        assert all(c.channel == "chat" for c in consents), context
        if not consents:
            return
        assert self.agreed, f"a chat consent without an explicit 同意: {context}"
        signer = data.get("person_id")
        own = [c for c in consents if c.person_id == signer and c.granted_by == "self"]
        assert len(own) == 1, f"the signer's consent: {[vars(c) for c in consents]}: {context}"
        for c in consents:
            if c is not own[0]:
                assert c.granted_by == "guardian" and c.guardian_person_id == signer, context
        self.agreed = False  # one agreement, one recorded consent

    def _answer(self, text: str) -> str | None:
        """What ``text`` says to the authorization: its buttons (shown), or :func:`explicit`."""
        if text in (AGREE_PAYLOAD, DECLINE_PAYLOAD) and text in self.payloads:
            return "agree" if text == AGREE_PAYLOAD else "decline"
        return explicit(text)

    def _flow(
        self,
        text: str,
        answer: str | None,
        before: str | None,
        data_before: dict[str, Any],
        after: str | None,
        data: dict[str, Any],
        said: str,
        context: str,
    ) -> None:
        person = data.get("person_id")
        if person is not None and person != data_before.get("person_id"):
            assert before == Identity.code.state and text in self.codes, (
                f"identity set without the code: {context}"
            )
            assert person == self.codes[text], context
        if text in ("/start", "/logout"):
            assert after is None and person is None, context
        if text == "/cancel":
            assert after is None, context
        if before == Authorization.asked.state and text in NOT_CONSENT:
            hedged = f"a hedged answer left the question: {context}"
            assert after == Authorization.asked.state, hedged
            assert bool(data.get("consent_agreed")) == bool(data_before.get("consent_agreed"))
        if answer == "agree" and data_before.get("person_id"):
            # signed in already (issue 12): the consent is recorded and the journey goes on
            assert after != Authorization.asked.state and data.get("consented"), context
        elif answer == "agree":
            assert after == Identity.id_number.state and data.get("consent_agreed"), context
        if answer == "decline":
            assert after is None, context
        code_typed = re.fullmatch(r"\d{6}", text) and text not in self.codes
        if before == Identity.code.state and code_typed:
            assert after == Identity.code.state and person == data_before.get("person_id"), context
        if (
            before == Identity.code.state
            and text == self.code
            and self.codes.get(text) is not None
            and data_before.get("pending_person_id") == self.codes[text]
            and TOO_MANY not in said
        ):
            assert person == self.codes[text], f"the right code did not sign in: {context}"

    def _context(self) -> str:
        return f"sender {self.sender}, conversation:\n  " + "\n  ".join(
            str(s) for s in self.steps[-8:]
        )


def test_any_conversation_keeps_the_promises(harness: Harness) -> None:
    # In CI a failure is reported as found, unshrunk (its message quotes the last steps):
    # shrinking a conversation takes minutes. The other profiles shrink.
    phases = [p for p in settings.default.phases if PROFILE != "ci" or p != Phase.shrink]
    Conversation.harness = harness
    run_state_machine_as_test(
        Conversation,
        settings=settings(
            max_examples=examples(15),
            stateful_step_count=40 if PROFILE == "long" else 25,
            phases=phases,
        ),
    )
