"""Chat with a model: conversations, per-chat settings, streaming with Stop, safe Markdown.

- ``conversation``: ``Conversation`` / ``Turn`` / ``Answer`` values and the requests they make;
- ``options``: ``ChatOptions`` with plain-language labels and limits (``SPECS``);
- ``run``: ``ChatRun`` streams one answer from ``/api/chat`` and can be stopped;
- ``markdown``: model Markdown to HTML that cannot make Qt load anything.

Conversations are stored by ``core.store.chats``.
"""

from quantdesk.core.chat.answer import Answer, AnswerMemory, AnswerState, AnswerStats
from quantdesk.core.chat.conversation import ChatError, ChatRequest, Conversation, Turn
from quantdesk.core.chat.options import SPECS, ChatOptions, OptionError, OptionSpec
from quantdesk.core.chat.run import ChatRun

__all__ = [
    "SPECS",
    "Answer",
    "AnswerMemory",
    "AnswerState",
    "AnswerStats",
    "ChatError",
    "ChatOptions",
    "ChatRequest",
    "ChatRun",
    "Conversation",
    "OptionError",
    "OptionSpec",
    "Turn",
]
