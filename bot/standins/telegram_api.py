"""A loopback Telegram Bot API, so PTB meets real Bot API JSON and raises its real errors offline."""

from __future__ import annotations

import asyncio
import copy
import email.parser
import email.policy
import itertools
import json
import math
import random
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from bot.pacing import Limits, is_private
from bot.standins.quiet import QuietServer

JSON = dict[str, Any]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
GET_UPDATES_LIMIT = 100

# Free-text parameters that PTB posts verbatim; JSON-decoding them would turn the text "123" into an int.
_VERBATIM_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "photo",
        "callback_query_id",
        "url",
        "language_code",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
    }
)
_SUPPORTED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "span",
        "tg-spoiler",
        "blockquote",
        "tg-emoji",
    }
)
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_MARKUP_CHAR = re.compile(r"[<&]")
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8}));")
_TAG_NAME = re.compile(r"[^\s>]*")
_ATTRIBUTE = re.compile(r"""\s+([^\s=>/"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")
_SPACES = re.compile(r"\s*")
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,})?")
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
# The sender Telegram shows for a group admin who posts anonymously, as the group.
_ANONYMOUS_ADMIN: JSON = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


class HtmlParseError(ValueError):
    """Why Telegram would refuse this HTML, worded as the Bot API words it after "can't parse entities: "."""


@dataclass(frozen=True)
class SentMessage:
    """One message the bot got through, as a test wants to assert on it."""

    method: str
    chat_id: int
    message_id: int
    text: str
    plain: str
    parse_mode: str | None
    disable_notification: bool
    params: dict[str, Any]
    edited: bool
    at: float = 0.0  # wall-clock time Telegram accepted it


class _HangUp(Exception):
    """Close the connection without an answer, as a dropped network path or a crashed front end does."""


class _ApiError(Exception):
    """A Bot API refusal, carried up to the HTTP layer that turns it into Telegram's error JSON."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        """The body Telegram sends with a failed call."""
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class _Chat:
    """A chat the stand-in knows; everything that varies per chat lives here."""

    id: int
    type: str
    name: str
    username: str | None = None
    admins: set[int] = field(default_factory=set)
    owner: int | None = None
    blocked: bool = False
    failures: deque[_ApiError] = field(default_factory=deque)
    last_message_id: int = 0
    # When sends were admitted, for the per-chat limits; only as far back as a limit looks.
    admitted: deque[float] = field(default_factory=deque)
    stall_next: float = 0.0
    # The bot's own membership: an administrator that may post, unless a test says otherwise.
    bot_status: str = "administrator"
    bot_can_post: bool = True
    # Forum topics (message_thread_id) of a supergroup with topics; empty for every other chat.
    topics: set[int] = field(default_factory=set)
    hang_up_next: bool = False

    def as_json(self) -> JSON:
        """The Chat object Telegram embeds in messages."""
        shape: JSON = {"id": self.id, "type": self.type}
        shape["first_name" if self.type == "private" else "title"] = self.name
        if self.username:
            shape["username"] = self.username
        if self.topics:
            shape["is_forum"] = True
        return shape

    def next_message_id(self) -> int:
        """Message ids count up per chat, shared by the bot and the people in it, as in Telegram."""
        self.last_message_id += 1
        return self.last_message_id


class FakeBotAPI:
    """A Bot API server on 127.0.0.1 for tests and the offline demo; state sits behind one lock."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        *,
        bot_username: str = "nashra_test_bot",
        limits: Limits | None = None,
        flood_rate: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.token = token
        # With limits set, sends beyond Telegram's broadcast limits are refused with 429 and counted.
        self.limits = limits
        # A share of admitted sends refused with a 429 anyway, as Telegram does under load.
        self.flood_rate = flood_rate
        self._random = random.Random(seed)
        self._global_admitted: deque[float] = deque()
        self.violations: list[str] = []
        self.injected_floods = 0
        self._local = threading.local()
        self.bot_username = bot_username
        self.bot_id = int(token.partition(":")[0])
        self._lock = threading.Lock()
        self._updates_ready = threading.Condition(self._lock)
        self._chats: dict[int, _Chat] = {}
        self._usernames: dict[str, int] = {}
        self._users: dict[int, JSON] = {}
        self._updates: list[JSON] = []
        self._messages: dict[tuple[int, int], JSON] = {}
        self._sent: list[SentMessage] = []
        self._sent_index: dict[tuple[int, int], int] = {}
        self._calls: list[tuple[str, JSON]] = []
        self._errors: list[str] = []
        self._open_queries: set[str] = set()
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._file_ids: set[str] = set()
        self._serials = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._stopping = False
        self._webhook: JSON = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeBotAPI:
        """Serve on a free loopback port in a daemon thread, so a hung test cannot hang the process."""
        if self._server is not None:
            raise RuntimeError("FakeBotAPI is already started")
        self._stopping = False
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-bot-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Answer pending long polls at once, then close the port; safe to call twice."""
        with self._lock:
            self._stopping = True
            self._updates_ready.notify_all()
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is not None and thread is not None:
            server.shutdown()
            server.server_close()
            thread.join()

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """What to hand PTB's base_url; PTB appends the token and "/method"."""
        return f"{self._origin()}/bot"

    @property
    def base_file_url(self) -> str:
        """What to hand PTB's base_file_url; no files are stored, so downloads answer 404."""
        return f"{self._origin()}/file/bot"

    def _origin(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeBotAPI is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- test controls ---------------------------------------------------------------------------

    def add_chat(
        self,
        username_or_id: str | int,
        *,
        type: str = "channel",
        title: str = "",
        topics: tuple[int, ...] = (),
    ) -> int:
        """Register a chat the bot may post to; "@name" gets a Telegram-like id and resolves in chat_id.

        `topics` makes a supergroup a forum with these topic ids (message_thread_id).
        """
        if topics and type != "supergroup":
            raise ValueError("only a supergroup can have forum topics")
        with self._lock:
            ref = _as_chat_ref(username_or_id)
            if isinstance(ref, int):
                chat = self._chats.get(ref) or self._register(ref, type, title or f"Chat {ref}")
            elif (known := self._usernames.get(ref.removeprefix("@").lower())) is not None:
                chat = self._chats[known]
            else:
                name = ref.removeprefix("@")
                chat = self._register(self._new_chat_id(type), type, title or name, username=name)
            chat.topics.update(topics)
            return chat.id

    def set_bot_member(self, chat_id: int | str, status: str, *, can_post_messages: bool = True) -> None:
        """Change the bot's membership: "administrator" (posting or not), "member", "left", "kicked"."""
        if status not in {"administrator", "member", "left", "kicked"}:
            raise ValueError(f"unknown chat member status {status!r}")
        with self._lock:
            chat = self._known_chat(chat_id)
            chat.bot_status, chat.bot_can_post = status, can_post_messages

    @property
    def webhook(self) -> JSON:
        """What setWebhook last set (url, secret_token, ...); empty while the bot polls."""
        with self._lock:
            return dict(self._webhook)

    def add_admin(self, chat_id: int | str, user_id: int, *, owner: bool = False) -> None:
        """Make a person an administrator (or the owner, "creator") of a group or channel."""
        with self._lock:
            chat = self._known_chat(chat_id)
            chat.admins.add(user_id)
            if owner:
                chat.owner = user_id

    def user_says(
        self,
        user_id: int,
        text: str,
        *,
        language_code: str = "ar",
        first_name: str = "قارئ",
        chat_id: int | None = None,
        chat_type: str = "private",
        anonymous: bool = False,
    ) -> int:
        """Queue a Message update as a person typing it would produce; returns its update_id.

        With anonymous=True the person is a group admin posting as the group: Telegram then sends
        GroupAnonymousBot as the sender and the group itself as sender_chat.
        """
        with self._lock:
            message = self._message_from(
                user_id, text, language_code, first_name, chat_id, chat_type, anonymous=anonymous
            )
            return self._queue_update({"message": message})

    def update_for(
        self, user_id: int, text: str, *, language_code: str = "ar", first_name: str = "قارئ"
    ) -> JSON:
        """The Update Telegram would POST to a webhook for a private message (not queued for getUpdates)."""
        with self._lock:
            message = self._message_from(user_id, text, language_code, first_name, None, "private")
            return {"update_id": next(self._update_ids), "message": message}

    def _message_from(
        self,
        user_id: int,
        text: str,
        language_code: str,
        first_name: str,
        chat_id: int | None,
        chat_type: str,
        *,
        anonymous: bool = False,
    ) -> JSON:
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}
        self._users[user_id] = user
        target = user_id if chat_id is None else chat_id
        name = first_name if chat_type == "private" else f"Chat {target}"
        chat = self._chats.get(target) or self._register(target, chat_type, name)
        author: JSON = {"from": user}
        if anonymous:
            author = {"from": _ANONYMOUS_ADMIN, "sender_chat": chat.as_json()}
        message: JSON = {
            "message_id": chat.next_message_id(),
            **author,
            "chat": chat.as_json(),
            "date": _now(),
            "text": text,
        }
        if command := _COMMAND.match(text):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command[0])}]
        return message

    def press_button(
        self,
        user_id: int,
        message_id: int,
        data: str,
        *,
        chat_id: int | str | None = None,
        forged: bool = False,
    ) -> int:
        """Queue a callback_query for a button the bot really sent, so tests cannot press imaginary ones.

        forged=True sends data the message has no button for, as a modified client can.
        """
        with self._lock:
            target = user_id if chat_id is None else self._resolve(chat_id)
            message = self._messages.get((target, message_id))
            if message is None:
                raise LookupError(f"the bot sent no message {message_id} to chat {target}")
            offered = _callback_data(message)
            if data not in offered and not forged:
                raise ValueError(f"message {message_id} in chat {target} has no button {data!r}: {offered}")
            query_id = str(next(self._serials))
            self._open_queries.add(query_id)
            return self._queue_update(
                {
                    "callback_query": {
                        "id": query_id,
                        "from": self._user(user_id),
                        "message": copy.deepcopy(message),
                        "chat_instance": str(target),
                        "data": data,
                    }
                }
            )

    def fail_next(
        self,
        chat_id: int | str,
        *,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Make the next admitted send to this chat fail like this; calls queue up per chat."""
        with self._lock:
            chat = self._known_chat(chat_id)
            parameters: JSON = {}
            if retry_after is not None:
                parameters["retry_after"] = retry_after
            if migrate_to_chat_id is not None:
                parameters["migrate_to_chat_id"] = migrate_to_chat_id
                # The supergroup must exist, or the bot's resend would hit "chat not found".
                if migrate_to_chat_id not in self._chats:
                    self._register(migrate_to_chat_id, "supergroup", chat.name)
            chat.failures.append(_ApiError(error_code, description, parameters or None))

    def stall_next(self, chat_id: int | str, seconds: float) -> None:
        """Deliver the next send to this chat but answer only after `seconds`, so the client times out."""
        with self._lock:
            self._known_chat(chat_id).stall_next = seconds

    def hang_up_next(self, chat_id: int | str) -> None:
        """Close the connection on the next send to this chat without delivering it: a network error."""
        with self._lock:
            self._known_chat(chat_id).hang_up_next = True

    def block(self, chat_id: int | str) -> None:
        """Make every send and edit to this chat answer 403, as after a reader blocks the bot."""
        with self._lock:
            self._known_chat(chat_id).blocked = True

    # -- test observations -----------------------------------------------------------------------

    def sent(self, chat_id: int | str | None = None) -> list[SentMessage]:
        """Sends in order, as last edited; an unknown "@name" raises, so a typo cannot read as "none sent"."""
        with self._lock:
            if chat_id is None:
                return list(self._sent)
            target = self._resolve(chat_id)
            return [message for message in self._sent if message.chat_id == target]

    def message(self, chat_id: int | str, message_id: int) -> JSON:
        """The Message object Telegram holds for a bot's message, as getUpdates or a reply would show it."""
        with self._lock:
            return copy.deepcopy(self._messages[(self._resolve(chat_id), message_id)])

    def calls(self, method: str | None = None) -> list[tuple[str, JSON]]:
        """Every request as (method, decoded params), failed ones included."""
        with self._lock:
            return [call for call in self._calls if method is None or call[0] == method]

    async def wait_for_sent(
        self, count: int, *, chat_id: int | str | None = None, timeout: float = 10.0
    ) -> list[SentMessage]:
        """Wait until the bot has sent `count` messages, failing with what it did send instead."""
        deadline = time.monotonic() + timeout
        while len(sent := self.sent(chat_id)) < count:
            if time.monotonic() >= deadline:
                raise AssertionError(self._shortfall(count, chat_id, timeout))
            await asyncio.sleep(0.02)
        return sent

    def _shortfall(self, count: int, chat_id: int | str | None, timeout: float) -> str:
        """A failure message that shows every send and refusal, since the miss is often a wrong chat."""
        with self._lock:
            lines = [f"expected {count} message(s) to {chat_id or 'any chat'} within {timeout}s; sent:"]
            lines += [f"  chat {m.chat_id} #{m.message_id} {m.method}: {m.plain[:120]!r}" for m in self._sent]
            refused = self._errors[-10:] or ["(none)"]
            lines += ["refused calls (latest last):", *(f"  {error}" for error in refused)]
        return "\n".join(lines)

    # -- HTTP entry point ------------------------------------------------------------------------

    def respond(self, path: str, content_type: str, body: bytes, query: str) -> tuple[int, bytes] | None:
        """Answer one HTTP request as Telegram would: status code and JSON body, or None to hang up."""
        try:
            status, payload = self._answer(path, content_type, body, query)
        except _HangUp:
            return None
        return status, json.dumps(payload, ensure_ascii=False).encode("utf-8")

    def _answer(self, path: str, content_type: str, body: bytes, query: str) -> tuple[int, JSON]:
        token, _, method = path.removeprefix("/bot").partition("/")
        if not path.startswith("/bot") or not method:
            return 404, _ApiError(404, "Not Found").payload()
        try:
            params = _decode_params(content_type, body, query)
        except (ValueError, TypeError):
            return 400, _ApiError(400, "Bad Request: can't parse request body").payload()
        with self._lock:
            self._calls.append((method, params))
            if token != self.token:
                return 401, _ApiError(401, "Unauthorized").payload()
            handler = getattr(self, f"_api_{method.lower()}", None)
            if handler is None:
                return 404, _ApiError(404, "Not Found").payload()
            self._local.stall = 0.0
            try:
                # Deep-copied under the lock: an edit may change the stored message while we encode.
                answer = 200, {"ok": True, "result": copy.deepcopy(handler(params))}
            except _ApiError as error:
                self._errors.append(f"{method} to {params.get('chat_id')}: {error.description}")
                return error.code, error.payload()
        if self._local.stall:
            time.sleep(self._local.stall)  # delivered, but the answer comes too late: a client timeout
        return answer

    # -- Bot API methods (called with the lock held) ---------------------------------------------

    def _api_getme(self, params: JSON) -> JSON:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_getupdates(self, params: JSON) -> list[JSON]:
        if self._webhook:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._confirm_updates(int(params.get("offset", 0)))
        limit = min(max(int(params.get("limit", GET_UPDATES_LIMIT)), 1), GET_UPDATES_LIMIT)
        deadline = time.monotonic() + max(float(params.get("timeout", 0)), 0.0)
        while not self._updates and not self._stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._updates_ready.wait(remaining)
        return self._updates[:limit]

    def _api_deletewebhook(self, params: JSON) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {}
        return True

    def _api_setwebhook(self, params: JSON) -> bool:
        url = str(params.get("url", ""))
        if not url:
            return self._api_deletewebhook(params)
        if not url.startswith("https://"):
            raise _ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
            raise _ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {k: v for k, v in params.items() if k != "certificate"}
        return True

    def _api_getwebhookinfo(self, params: JSON) -> JSON:
        info: JSON = {"url": self._webhook.get("url", ""), "has_custom_certificate": False}
        info["pending_update_count"] = len(self._updates)
        if self._webhook:
            info["max_connections"] = self._webhook.get("max_connections", 40)
            if "allowed_updates" in self._webhook:
                info["allowed_updates"] = self._webhook["allowed_updates"]
        return info

    def _api_setmycommands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise _ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            _check_command(command)
        self._commands[_commands_key(params)] = commands
        return True

    def _api_getmycommands(self, params: JSON) -> list[JSON]:
        return self._commands.get(_commands_key(params), [])

    def _api_deletemycommands(self, params: JSON) -> bool:
        self._commands.pop(_commands_key(params), None)
        return True

    def _api_sendmessage(self, params: JSON) -> JSON:
        chat = self._chat_for(params)
        plain = _message_text(params)
        markup = _checked_markup(params)
        topic = self._topic(chat, params)
        self._admit(chat)
        message = self._post(chat, {**topic, "text": plain}, markup)
        self._record("sendMessage", chat, message, str(params["text"]), plain, params)
        return message

    def _api_sendphoto(self, params: JSON) -> JSON:
        chat = self._chat_for(params)
        sizes = self._photo_sizes(params.get("photo"))
        caption = _caption(params)
        markup = _checked_markup(params)
        topic = self._topic(chat, params)
        self._admit(chat)
        content: JSON = {**topic, "photo": sizes, **({"caption": caption} if caption else {})}
        message = self._post(chat, content, markup)
        self._record("sendPhoto", chat, message, str(params.get("caption", "")), caption, params)
        return message

    def _api_editmessagetext(self, params: JSON) -> JSON:
        return self._edit(params, "text")

    def _api_editmessagecaption(self, params: JSON) -> JSON:
        return self._edit(params, "caption")

    def _edit(self, params: JSON, field: str) -> JSON:
        """editMessageText (field "text") or editMessageCaption (field "caption") of a sent message."""
        chat, message = self._message_for(params)
        if field == "text":
            if "text" not in message:
                raise _ApiError(400, "Bad Request: there is no text in the message to edit")
            plain = _message_text(params)
        else:
            if "photo" not in message:
                raise _ApiError(400, "Bad Request: there is no caption in the message to edit")
            plain = _caption(params)
        markup = _checked_markup(params)
        before = self._sent[self._sent_index[(chat.id, message["message_id"])]]
        now = (str(params.get(field, "")), params.get("parse_mode"), markup)
        if now == (before.text, before.parse_mode, before.params.get("reply_markup")):
            raise _ApiError(400, _NOT_MODIFIED)
        self._reachable(chat)
        if plain:
            message[field] = plain
        else:  # an empty caption removes it (a text is never empty)
            message.pop(field, None)
        self._set_markup(message, markup)
        self._record_edit(chat, message, params, text=now[0], plain=plain)
        return message

    def _api_editmessagereplymarkup(self, params: JSON) -> JSON:
        chat, message = self._message_for(params)
        markup = _checked_markup(params)
        if markup == message.get("reply_markup"):
            raise _ApiError(400, _NOT_MODIFIED)
        self._reachable(chat)
        self._set_markup(message, markup)
        self._record_edit(chat, message, params)
        return message

    def _api_answercallbackquery(self, params: JSON) -> bool:
        query_id = params.get("callback_query_id")
        if query_id not in self._open_queries:
            raise _ApiError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        self._open_queries.discard(query_id)
        return True

    def _api_getchat(self, params: JSON) -> JSON:
        chat = self._chat_for(params)
        gifts = (
            "unlimited_gifts",
            "limited_gifts",
            "unique_gifts",
            "premium_subscription",
            "gifts_from_channels",
        )
        return {
            **chat.as_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(gifts, False),
        }

    def _api_getchatmember(self, params: JSON) -> JSON:
        chat = self._chat_for(params)
        user_id = int(params.get("user_id", 0))
        if user_id in self._administrator_ids(chat):
            return self._administrator(chat, user_id)
        if user_id == self.bot_id and chat.type != "private" and chat.bot_status != "member":
            member: JSON = {"status": chat.bot_status, "user": self._bot_user()}
            if chat.bot_status == "kicked":
                member["until_date"] = 0  # banned for good
            return member
        return {"status": "member", "user": self._user(user_id)}

    def _api_getchatadministrators(self, params: JSON) -> list[JSON]:
        chat = self._chat_for(params)
        if chat.type == "private":
            raise _ApiError(400, "Bad Request: there are no administrators in the private chat")
        return [self._administrator(chat, user_id) for user_id in self._administrator_ids(chat)]

    def _api_close(self, params: JSON) -> bool:
        return True

    def _api_logout(self, params: JSON) -> bool:
        return True

    # -- helpers (lock held) ---------------------------------------------------------------------

    def _admit(self, chat: _Chat) -> None:
        """The one gate every send passes: scripted failures, blocks, the rate limits, random floods."""
        if chat.hang_up_next:
            chat.hang_up_next = False
            raise _HangUp
        if chat.failures:
            raise chat.failures.popleft()
        self._reachable(chat)
        now = time.monotonic()
        if self.limits is not None:
            self._within_limits(chat, self.limits, now)
        if self.flood_rate and self._random.random() < self.flood_rate:
            self.injected_floods += 1
            raise _flood(1.0)
        if self.limits is not None:
            self._global_admitted.append(now)
            chat.admitted.append(now)
        if chat.stall_next:
            self._local.stall, chat.stall_next = chat.stall_next, 0.0

    def _within_limits(self, chat: _Chat, limits: Limits, now: float) -> None:
        """Refuse, and remember, a send that would break a limit, the way Telegram answers it: 429."""
        while self._global_admitted and self._global_admitted[0] <= now - 1.0:
            self._global_admitted.popleft()
        if len(self._global_admitted) >= limits.global_per_second:
            self.violations.append(f"over {limits.global_per_second:g} messages/s overall")
            raise _flood(self._global_admitted[0] + 1.0 - now)
        if chat.type == "private" or is_private(chat.id):
            window, allowed = 1.0 / limits.private_per_second, 1
        else:
            window, allowed = 60.0, limits.group_per_minute
        while chat.admitted and chat.admitted[0] <= now - window:
            chat.admitted.popleft()
        if len(chat.admitted) >= allowed:
            self.violations.append(f"chat {chat.id}: over its limit of {allowed:g} per {window:g}s")
            raise _flood(chat.admitted[0] + window - now)

    def _reachable(self, chat: _Chat) -> None:
        """Refuse writes to a chat that shut the bot out, with the wording Telegram uses for its kind."""
        if chat.type != "private":
            self._may_write(chat)
        if not chat.blocked:
            return
        reasons = {
            "channel": "bot is not a member of the channel chat",
            "group": "bot was kicked from the group chat",
            "supergroup": "bot was kicked from the supergroup chat",
        }
        raise _ApiError(403, f"Forbidden: {reasons.get(chat.type, 'bot was blocked by the user')}")

    @staticmethod
    def _may_write(chat: _Chat) -> None:
        """A channel takes posts only from an administrator with can_post_messages; a group from members."""
        if chat.bot_status == "kicked":
            raise _ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        if chat.bot_status == "left" or (chat.type == "channel" and chat.bot_status != "administrator"):
            raise _ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        if chat.type == "channel" and not chat.bot_can_post:
            raise _ApiError(400, "Bad Request: need administrator rights in the channel chat")

    @staticmethod
    def _topic(chat: _Chat, params: JSON) -> JSON:
        """A send into a forum topic lands there; a topic the forum does not have is refused."""
        thread = params.get("message_thread_id")
        if thread is None or not chat.topics:
            return {}
        if thread not in chat.topics:
            raise _ApiError(400, "Bad Request: message thread not found")
        return {"message_thread_id": thread, "is_topic_message": True}

    def _register(self, chat_id: int, chat_type: str, name: str, *, username: str | None = None) -> _Chat:
        chat = _Chat(id=chat_id, type=chat_type, name=name, username=username)
        self._chats[chat_id] = chat
        if username:
            self._usernames[username.lower()] = chat_id
        return chat

    def _new_chat_id(self, chat_type: str) -> int:
        """Ids shaped like Telegram's: -100… for channels and supergroups, -4… for groups."""
        serial = next(self._serials)
        if chat_type in {"channel", "supergroup"}:
            return -(1_002_000_000_000 + serial)
        return -(4_000_000_000 + serial) if chat_type == "group" else 7_000_000_000 + serial

    def _resolve(self, chat_ref: int | str) -> int:
        ref = _as_chat_ref(chat_ref)
        if isinstance(ref, int):
            return ref
        if (chat_id := self._usernames.get(ref.removeprefix("@").lower())) is None:
            raise LookupError(f"no chat {ref!r} was registered with add_chat")
        return chat_id

    def _known_chat(self, chat_ref: int | str) -> _Chat:
        chat_id = self._resolve(chat_ref)
        if chat_id not in self._chats:
            raise LookupError(f"no chat {chat_id} was registered with add_chat")
        return self._chats[chat_id]

    def _chat_for(self, params: JSON) -> _Chat:
        """The chat a call names, or the Bot API's own refusal."""
        if "chat_id" not in params:
            raise _ApiError(400, "Bad Request: chat_id is empty")
        ref = params["chat_id"]
        is_username = isinstance(ref, str) and ref.startswith("@")
        chat_id = self._usernames.get(ref[1:].lower()) if is_username else ref
        if chat_id not in self._chats:
            raise _ApiError(400, "Bad Request: chat not found")
        return self._chats[chat_id]

    def _message_for(self, params: JSON) -> tuple[_Chat, JSON]:
        chat = self._chat_for(params)
        message = self._messages.get((chat.id, params.get("message_id")))
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return chat, message

    def _bot_user(self) -> JSON:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Nashra", "username": self.bot_username}

    def _user(self, user_id: int) -> JSON:
        if user_id == self.bot_id:
            return self._bot_user()
        return self._users.get(user_id, {"id": user_id, "is_bot": False, "first_name": "قارئ"})

    def _administrator_ids(self, chat: _Chat) -> list[int]:
        """The bot runs every non-private chat it was given; tests add people with add_admin."""
        bot = [self.bot_id] if chat.type != "private" and chat.bot_status == "administrator" else []
        return bot + sorted(chat.admins - {self.bot_id})

    def _administrator(self, chat: _Chat, user_id: int) -> JSON:
        if user_id == chat.owner:
            return {"status": "creator", "user": self._user(user_id), "is_anonymous": False}
        member: JSON = {
            "status": "administrator",
            "user": self._user(user_id),
            "can_be_edited": False,
            "is_anonymous": False,
            "can_promote_members": False,
            **dict.fromkeys(_ADMIN_RIGHTS, True),
        }
        if chat.type == "channel":
            can_post = chat.bot_can_post if user_id == self.bot_id else True
            member.update(can_post_messages=can_post, can_edit_messages=can_post)
        else:
            member["can_pin_messages"] = True
        return member

    def _confirm_updates(self, offset: int) -> None:
        """Forget updates the way getUpdates' offset does: below it, or all but the last -offset."""
        if offset > 0:
            self._updates = [update for update in self._updates if update["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def _queue_update(self, body: JSON) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **body})
        self._updates_ready.notify_all()
        return update_id

    def _post(self, chat: _Chat, content: JSON, markup: JSON | None) -> JSON:
        """Store a bot message shaped as Telegram returns it; channel posts carry sender_chat, not from."""
        author = {"sender_chat": chat.as_json()} if chat.type == "channel" else {"from": self._bot_user()}
        message: JSON = {
            "message_id": chat.next_message_id(),
            **author,
            "chat": chat.as_json(),
            "date": _now(),
            **content,
        }
        self._set_markup(message, markup)
        self._messages[(chat.id, message["message_id"])] = message
        return message

    def _record(self, method: str, chat: _Chat, message: JSON, text: str, plain: str, params: JSON) -> None:
        self._sent_index[(chat.id, message["message_id"])] = len(self._sent)
        self._sent.append(
            SentMessage(
                method=method,
                chat_id=chat.id,
                message_id=message["message_id"],
                text=text,
                plain=plain,
                parse_mode=params.get("parse_mode"),
                disable_notification=bool(params.get("disable_notification")),
                params=copy.deepcopy(params),
                edited=False,
                at=time.time(),
            )
        )

    def _record_edit(self, chat: _Chat, message: JSON, params: JSON, **changes: str) -> None:
        """Show the edit in sent(): Telegram drops an inline keyboard the edit does not repeat."""
        message["edit_date"] = _now()
        index = self._sent_index[(chat.id, message["message_id"])]
        before = self._sent[index]
        merged = {**before.params, **copy.deepcopy(params)}
        if "reply_markup" not in params:
            merged.pop("reply_markup", None)
        if "text" in changes:
            changes["parse_mode"] = params.get("parse_mode")
        self._sent[index] = replace(before, params=merged, edited=True, **changes)

    @staticmethod
    def _set_markup(message: JSON, markup: JSON | None) -> None:
        """Telegram echoes only inline keyboards back in the Message."""
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)

    def _photo_sizes(self, photo: Any) -> list[JSON]:
        """Accept what can be checked offline: an upload, an http(s) URL, or a file_id we issued."""
        if not photo:
            raise _ApiError(400, "Bad Request: there is no photo in the request")
        is_url = isinstance(photo, str) and photo.startswith(("http://", "https://"))
        if isinstance(photo, str) and not is_url and photo not in self._file_ids:
            raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        serial = next(self._serials)
        sizes = [
            {
                "file_id": f"AgACAgQAAx{serial}_{n}",
                "file_unique_id": f"AQAD{serial}_{n}",
                "width": width,
                "height": height,
                "file_size": width * height // 8,
            }
            for n, (width, height) in enumerate(((90, 60), (1280, 853)))
        ]
        self._file_ids.update(size["file_id"] for size in sizes)
        return sizes


class _Server(QuietServer):
    """Carries the FakeBotAPI to handlers."""

    def __init__(self, api: FakeBotAPI) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api


class _Handler(BaseHTTPRequestHandler):
    """One connection from PTB's httpx pool."""

    protocol_version = "HTTP/1.1"  # keep-alive: httpx reuses connections, so tests stay fast
    disable_nagle_algorithm = True  # headers and body go out as two writes; Nagle would hold the body 40 ms
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path, _, query = self.path.partition("?")
        answer = self.server.api.respond(path, self.headers.get("Content-Type", ""), body, query)
        if answer is None:
            self.close_connection = True
            return
        status, payload = answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet, so test output shows the bot's own logs."""


# -- request decoding ----------------------------------------------------------------------------


def _flood(wait: float) -> _ApiError:
    """Telegram's flood-control answer; retry_after is a whole number of seconds."""
    seconds = max(1, math.ceil(wait))
    return _ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


def _decode_params(content_type: str, body: bytes, query: str) -> JSON:
    """Undo PTB's encoding: strings go as-is, everything else as a JSON string (see RequestParameter)."""
    fields: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.partition(";")[0].strip().lower()
    if kind == "application/json" and body:
        fields.update(json.loads(body))
    elif kind == "multipart/form-data":
        fields.update(_multipart_fields(content_type, body))
    elif body:
        fields.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return {name: _typed(name, value) for name, value in fields.items()}


def _multipart_fields(content_type: str, body: bytes) -> JSON:
    """Form fields as text and uploads as bytes, using the stdlib email parser (cgi is gone in 3.13)."""
    envelope = f"Content-Type: {content_type}\r\n\r\n".encode()
    form = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(envelope + body)
    fields: JSON = {}
    for part in form.iter_parts():
        content = part.get_payload(decode=True)
        name = part.get_param("name", header="content-disposition")
        is_upload = part.get_filename() is not None
        fields[str(name)] = content if is_upload else content.decode(part.get_content_charset("utf-8"))
    return fields


def _typed(name: str, value: Any) -> Any:
    if not isinstance(value, str) or name in _VERBATIM_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # a plain string such as "@channel"


def _as_chat_ref(value: int | str) -> int | str:
    """Numeric strings name chats by id, as they do in the Bot API."""
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


# -- validation ----------------------------------------------------------------------------------


def html_to_plain(text: str) -> str:
    """What a reader sees of Telegram-HTML text; raises HtmlParseError where Telegram would refuse it."""
    parts: list[str] = []
    open_tags: list[str] = []
    pos = 0
    while (found := _MARKUP_CHAR.search(text, pos)) is not None:
        parts.append(text[pos : found.start()])
        if found.group() == "&":
            char, pos = _entity_at(text, found.start())
            parts.append(char)
        else:
            pos = _tag_at(text, found.start(), open_tags)
    parts.append(text[pos:])
    if open_tags:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    return "".join(parts)


def _entity_at(text: str, start: int) -> tuple[str, int]:
    """Decode one entity; stricter than tdlib, which keeps a stray "&" literally, to catch unescaped text."""
    match = _ENTITY.match(text, start)
    if match is not None:
        named, decimal, hexadecimal = match.groups()
        if named:
            return _NAMED_ENTITIES[named], match.end()
        code = int(decimal) if decimal else int(hexadecimal, 16)
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), match.end()
    raise HtmlParseError(
        f'Character "&" at byte offset {_byte_offset(text, start)} does not start a supported HTML entity'
    )


def _tag_at(text: str, start: int, open_tags: list[str]) -> int:
    if text.startswith("/", start + 1):
        return _end_tag_at(text, start, open_tags)
    name_end = _match(_TAG_NAME, text, start + 1)
    if name_end == len(text):
        raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(text, start)}")
    name = text[start + 1 : name_end].lower()
    if name not in _SUPPORTED_TAGS:
        raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, start)}')
    attributes, end = _attributes_at(text, name_end)
    if not text.startswith(">", end):
        raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(text, start)}")
    if name == "span" and attributes.get("class") != "tg-spoiler":
        offset = _byte_offset(text, start)
        raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    open_tags.append(name)
    return end + 1


def _end_tag_at(text: str, start: int, open_tags: list[str]) -> int:
    name_end = _match(_TAG_NAME, text, start + 2)
    close = _match(_SPACES, text, name_end)
    offset = _byte_offset(text, start)
    if not text.startswith(">", close):
        raise HtmlParseError(f"Unclosed end tag at byte offset {offset}")
    name = text[start + 2 : name_end].lower()
    if not open_tags:
        raise HtmlParseError(f"Unexpected end tag at byte offset {offset}")
    if name != open_tags[-1]:
        raise HtmlParseError(
            f'Unmatched end tag at byte offset {offset}, expected "</{open_tags[-1]}>", found "</{name}>"'
        )
    open_tags.pop()
    return close + 1


def _attributes_at(text: str, pos: int) -> tuple[dict[str, str], int]:
    attributes: dict[str, str] = {}
    while (match := _ATTRIBUTE.match(text, pos)) is not None:
        attributes[match[1].lower()] = next((value for value in match.groups()[1:] if value is not None), "")
        pos = match.end()
    return attributes, _match(_SPACES, text, pos)


def _match(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """End of a pattern that always matches (possibly empty) at pos."""
    match = pattern.match(text, pos)
    assert match is not None
    return match.end()


def _reader_text(text: str, parse_mode: Any) -> str:
    """The text as Telegram stores it: markup parsed, carriage returns dropped, outer whitespace trimmed."""
    text = text.replace("\r", "")
    mode = str(parse_mode or "").lower()
    if mode == "html":
        try:
            return html_to_plain(text).strip()
        except HtmlParseError as error:
            raise _ApiError(400, f"Bad Request: can't parse entities: {error}") from None
    if mode not in {"", "markdown", "markdownv2"}:
        raise _ApiError(400, "Bad Request: unsupported parse_mode")
    return text.strip()  # Markdown is passed through unchecked: Nashra sends HTML


def _message_text(params: JSON) -> str:
    plain = _reader_text(str(params.get("text", "")), params.get("parse_mode"))
    if not plain:
        raise _ApiError(400, "Bad Request: message text is empty")
    if _utf16_len(plain) > TEXT_LIMIT:
        raise _ApiError(400, "Bad Request: message is too long")
    return plain


def _caption(params: JSON) -> str:
    plain = _reader_text(str(params.get("caption", "")), params.get("parse_mode"))
    if _utf16_len(plain) > CAPTION_LIMIT:
        raise _ApiError(400, "Bad Request: message caption is too long")
    return plain


def _checked_markup(params: JSON) -> JSON | None:
    markup = params.get("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= CALLBACK_DATA_LIMIT:
                raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def _check_command(command: Any) -> None:
    if not isinstance(command, dict) or not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
        raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
    if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
        raise _ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")


def _commands_key(params: JSON) -> tuple[str, str]:
    """Commands are stored per scope and language, as setMyCommands documents."""
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code", ""))


def _callback_data(message: JSON) -> list[str]:
    keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in keyboard for button in row if "callback_data" in button]


def _utf16_len(text: str) -> int:
    """Telegram counts lengths in UTF-16 code units: an emoji outside the BMP counts twice."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    """tdlib reports parse errors at UTF-8 byte offsets."""
    return len(text[:index].encode("utf-8"))


def _now() -> int:
    return int(time.time())
