"""Drives `codex mcp-server` with the official Python MCP SDK's client.

usage: py_client.py CODEX_BINARY PROMPT REPLY_PROMPT
Lists the tools, runs `codex` with PROMPT (approving every elicitation),
continues with `codex-reply`, and prints one JSON summary on stdout.
"""
import asyncio
import json
import os
import sys

from pydantic import BaseModel, ConfigDict

from mcp import ClientSession, StdioServerParameters, types
from mcp.client.extension import NotificationBinding
from mcp.client.stdio import stdio_client

codex, prompt, reply_prompt = sys.argv[1], sys.argv[2], sys.argv[3]
summary = {"elicitations": [], "events": []}


async def on_elicit(context, params):
    summary["elicitations"].append(
        {"message": params.message, "meta": getattr(params, "meta", None) and dict(params.meta)}
    )
    return types.ElicitResult(action="accept", content={"decision": "approved"})


class CodexEvent(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    msg: dict


async def on_codex_event(event):
    summary["events"].append(event.msg.get("type"))


codex_events = NotificationBinding(method="codex/event", params_type=CodexEvent, handler=on_codex_event)


async def main():
    server = StdioServerParameters(command=codex, args=["mcp-server"], env=dict(os.environ))
    async with stdio_client(server) as (read, write):
        async with ClientSession(
            read, write, elicitation_callback=on_elicit, notification_bindings=[codex_events]
        ) as session:
            await session.initialize()
            tools = await session.list_tools()
            summary["tools"] = sorted(t.name for t in tools.tools)
            first = await session.call_tool(
                "codex", {"prompt": prompt, "approval-policy": "untrusted", "sandbox": "workspace-write"}
            )
            summary["first"] = first.structured_content
            summary["first_is_error"] = first.is_error
            thread_id = first.structured_content["threadId"]
            second = await session.call_tool("codex-reply", {"threadId": thread_id, "prompt": reply_prompt})
            summary["reply"] = second.structured_content
    print(json.dumps(summary))


asyncio.run(main())
