"""An MCP server on the official Python SDK (2.x), for codex's tests.

stdio by default; `--http PORT --token TOKEN` serves streamable HTTP and
requires `Authorization: Bearer TOKEN`. `--never-initialize` reads stdin
and never answers (a server that hangs at start-up); `--delay-start S`
sleeps before serving (a slow server). `--many-tools N` adds N generated
tools `tool_K` (K = 0..N-1), each described by a distinct topic word, to
exercise tool search; `--topic-offset O` shifts the words so that several
servers offer different ones.
"""
import argparse
import os
import sys
import time

from pydantic import BaseModel

parser = argparse.ArgumentParser()
parser.add_argument("--http", type=int)
parser.add_argument("--token")
parser.add_argument("--never-initialize", action="store_true")
parser.add_argument("--exit-at-start", type=int)
parser.add_argument("--delay-start", type=float)
parser.add_argument("--many-tools", type=int, default=0)
parser.add_argument("--topic-offset", type=int, default=0)
args = parser.parse_args()

if args.delay_start:
    time.sleep(args.delay_start)

if args.exit_at_start is not None:
    print("fatal: the database is locked", file=sys.stderr, flush=True)
    sys.exit(args.exit_at_start)

if args.never_initialize:
    sys.stdin.read()
    sys.exit(0)

from mcp.server.mcpserver import Context, MCPServer  # noqa: E402
from mcp.types import ToolAnnotations  # noqa: E402

app = MCPServer("py-test")


@app.tool()
def add(a: int, b: int) -> int:
    """Adds two integers."""
    return a + b


@app.tool(annotations=ToolAnnotations(readOnlyHint=True))
def lookup(key: str) -> str:
    """Looks a key up without changing anything."""
    return f"value of {key}"


TOPICS = [
    "weather", "invoices", "calendar", "kubernetes", "postgres", "tickets", "slack", "github",
    "figma", "stripe", "sentry", "jira", "notion", "docker", "terraform", "grafana", "redis",
    "email", "translation", "geocoding",
]


def make_tool(index: int):
    topic = TOPICS[(index + args.topic_offset) % len(TOPICS)]
    number = index + args.topic_offset

    def tool(query: str) -> str:
        return f"{topic} result {number} for {query}"

    app.add_tool(
        tool,
        name=f"tool_{index}",
        description=f"Works with {topic} records (item {number}).",
        annotations=ToolAnnotations(readOnlyHint=True),
    )


for _index in range(args.many_tools):
    make_tool(_index)


@app.tool()
def crash() -> str:
    """Exits the server in the middle of the call."""
    print("about to crash", file=sys.stderr, flush=True)
    os._exit(3)


@app.tool()
def slow(seconds: float) -> str:
    """Sleeps, then answers."""
    time.sleep(seconds)
    return "slept"


class Confirm(BaseModel):
    confirmed: bool


@app.tool()
async def confirm_delete(path: str, ctx: Context) -> str:
    """Asks the person before deleting."""
    answer = await ctx.elicit(f"Delete {path}?", Confirm)
    return f"elicitation {answer.action}"


if args.http is not None:
    import uvicorn
    from starlette.responses import PlainTextResponse

    inner = app.streamable_http_app()

    async def guarded(scope, receive, send):
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            if headers.get(b"authorization") != f"Bearer {args.token}".encode():
                await PlainTextResponse("unauthorized", status_code=401)(scope, receive, send)
                return
        await inner(scope, receive, send)

    uvicorn.run(guarded, host="127.0.0.1", port=args.http, log_level="warning")
else:
    app.run()
