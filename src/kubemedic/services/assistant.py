"""The optional language-model layer: plain-language explanations and questions answered.

Nothing in kubemedic needs a model; this layer only talks about what the deterministic core
found. ``explain`` turns a diagnosis into a short explanation for a reader who is not a
Kubernetes expert; ``ask`` lets the model answer a question by calling kubemedic's own agent
tools (the MCP server's) and cite the findings it used — it may propose a change, never
approve or execute one. Everything sent is redacted first; with ``send=False`` the first
request is built and returned, and nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from kubemedic.adapters.llm import ChatClient, Reply, request_body
from kubemedic.config import Settings
from kubemedic.errors import ConfigError, KubemedicError, LlmError
from kubemedic.services.agent_tools import ToolContext, call_tool, tools
from kubemedic.services.redaction import Redaction

MAX_TOOL_ROUNDS = 6
MAX_TOOL_RESULT_CHARS = 24_000
"""About 6,000 tokens: a tool result larger than this is cut, and the model is told so."""
UNCONFIGURED = "<llm.model not configured>"
HOW_TO_CONFIGURE = (
    'set llm.base_url and llm.model in the settings file (or KUBEMEDIC_LLM=\'{"base_url": '
    '"https://api.openai.com/v1", "model": "gpt-4o-mini"}\') and put the API key in '
    "$KUBEMEDIC_LLM_API_KEY (llm.api_key_env names another variable); see docs/agents.md"
)

EXPLAIN_SYSTEM = (
    "You explain Kubernetes diagnoses to a reader who is not a Kubernetes expert. Use only the "
    "findings given; do not invent causes. For each finding, in two or three plain sentences: "
    "what is wrong, why (quote the evidence), and what the suggested fix does. Name finding "
    "ids in brackets, like [KM-POD-CRASHLOOP-APP-ERROR]. Stay under 250 words."
)
ASK_SYSTEM = (
    "You answer questions about a Kubernetes cluster using kubemedic's tools only. Call "
    "diagnose (or health_summary) before answering about failures. Base every statement on "
    "tool results and cite finding ids in brackets, like [KM-POD-OOMKILLED], with the "
    "evidence you used. If the data does not answer the question, say so. You may propose a "
    "change with propose_change; it only records a proposal that a person must approve. "
    "Never claim a change was applied."
)


@dataclass(frozen=True, slots=True)
class LlmConfig:
    """The endpoint, model, key and limits of the configured language model."""

    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 60.0
    retries: int = 2
    max_tokens: int = 1024

    def client(self) -> ChatClient:
        return ChatClient(self.base_url, self.api_key, self.timeout, self.retries)


def llm_config(settings: Settings, environ: Mapping[str, str]) -> LlmConfig | None:
    """The configured model, or None when ``llm.base_url`` or ``llm.model`` is unset."""
    chosen = settings.llm
    if not chosen.base_url or not chosen.model:
        return None
    return LlmConfig(
        chosen.base_url,
        chosen.model,
        environ.get(chosen.api_key_env) or None,
        chosen.timeout,
        chosen.retries,
        chosen.max_tokens,
    )


def redaction_of(settings: Settings, *, enabled: bool = True) -> Redaction:
    return Redaction(enabled, ips=settings.llm.redact_ips, emails=settings.llm.redact_emails)


def _required(config: LlmConfig | None, send: bool) -> LlmConfig | None:
    if config is None and send:
        raise ConfigError("no language model is configured", hint=HOW_TO_CONFIGURE)
    return config


@dataclass(frozen=True, slots=True)
class Generated:
    """What a model wrote (``text`` is None when nothing was sent), and what was sent first."""

    request: dict[str, Any]
    text: str | None
    model: str
    cited: tuple[str, ...] = ()
    tools_called: tuple[str, ...] = ()


def explain(
    findings: Mapping[str, Any],
    settings: Settings,
    environ: Mapping[str, str],
    *,
    send: bool = True,
    redaction: Redaction | None = None,
) -> Generated:
    """A plain-language explanation of a diagnosis (``findings``: its JSON document)."""
    config = _required(llm_config(settings, environ), send)
    scrub = redaction or redaction_of(settings)
    brief = {
        "summary": findings.get("summary"),
        "findings": [_essentials(f) for f in findings.get("findings", ())],
    }
    messages = [
        {"role": "system", "content": EXPLAIN_SYSTEM},
        {"role": "user", "content": _json(scrub.data(brief))},
    ]
    model = config.model if config else UNCONFIGURED
    body = request_body(model, messages, max_tokens=settings.llm.max_tokens)
    if config is None or not send:
        return Generated(body, None, model)
    client = config.client()
    try:
        reply = _usable(client.complete(body))
    finally:
        client.close()
    ids = tuple(str(f.get("id")) for f in findings.get("findings", ()))
    return Generated(body, reply.content, model, _cited(reply.content, ids))


def _essentials(finding: Mapping[str, Any]) -> dict[str, Any]:
    fix = finding.get("remediation") or {}
    return {
        "id": finding.get("id"),
        "severity": finding.get("severity"),
        "object": finding.get("object"),
        "summary": finding.get("summary"),
        "root_cause": finding.get("root_cause"),
        "evidence": [e.get("fact") for e in finding.get("evidence", ())],
        "fix": {k: fix.get(k) for k in ("summary", "commands", "risk", "expected_outcome")},
    }


def ask(
    question: str,
    ctx: ToolContext,
    environ: Mapping[str, str],
    *,
    namespace: str | None = None,
    send: bool = True,
) -> Generated:
    """Answer ``question`` with the model calling kubemedic's tools, citing the findings."""
    settings = ctx.settings
    config = _required(llm_config(settings, environ), send)
    offered = tools(read_only=False)
    schemas = [
        {
            "type": "function",
            "function": {
                "name": t.name,
                "description": t.description,
                "parameters": t.input_schema(),
            },
        }
        for t in offered
    ]
    where = f" (namespace {namespace})" if namespace else ""
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": ASK_SYSTEM},
        {"role": "user", "content": ctx.redaction.text(question) + where},
    ]
    model = config.model if config else UNCONFIGURED
    budget = settings.llm.max_tokens
    first = request_body(model, messages, schemas, max_tokens=budget)
    if config is None or not send:
        return Generated(first, None, model)
    client = config.client()
    seen: list[str] = []
    called: list[str] = []
    try:
        for _ in range(MAX_TOOL_ROUNDS + 1):
            reply = client.complete(request_body(model, messages, schemas, max_tokens=budget))
            if not reply.tool_calls:
                text = _usable(reply).content
                return Generated(first, text, model, _cited(text, seen), tuple(called))
            messages.append(_assistant_turn(reply))
            for call in reply.tool_calls:
                called.append(call.name)
                result = _run_tool(ctx, call.name, call.arguments, namespace)
                seen += _finding_ids(result)
                messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    finally:
        client.close()
    raise LlmError(
        f"the model kept calling tools after {MAX_TOOL_ROUNDS} rounds without answering",
        hint="ask a narrower question, or name the namespace with -n",
    )


def _assistant_turn(reply: Reply) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": reply.content or None,
        "tool_calls": [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            }
            for c in reply.tool_calls
        ],
    }


def _run_tool(ctx: ToolContext, name: str, arguments: str, namespace: str | None) -> str:
    """A tool's result as the model reads it: redacted JSON, cut to the budget, or an error."""
    try:
        parsed = orjson.loads(arguments or "{}")
        if not isinstance(parsed, dict):
            raise ValueError("not an object")
    except ValueError:
        return f"error: the arguments of {name} are not a JSON object: {arguments[:200]!r}"
    scoped = name in {"diagnose", "health_summary"} and not parsed.get("all_namespaces")
    if namespace and scoped:
        parsed.setdefault("namespace", namespace)
    try:
        text = _json(call_tool(ctx, name, parsed, read_only=False))
    except KubemedicError as exc:
        return "error: " + exc.message + (f" (hint: {exc.hint})" if exc.hint else "")
    if len(text) > MAX_TOOL_RESULT_CHARS:
        return text[:MAX_TOOL_RESULT_CHARS] + "\n[cut: the result was longer than the budget]"
    return text


def _finding_ids(result: str) -> list[str]:
    try:
        data = orjson.loads(result)
    except orjson.JSONDecodeError:
        return []  # an error or a cut result
    findings = data.get("findings") if isinstance(data, dict) else None
    return [str(f.get("id")) for f in findings or () if isinstance(f, dict)]


def _usable(reply: Reply) -> Reply:
    """The reply, unless the model refused, was filtered or ran out of its token budget."""
    if reply.refusal:
        raise LlmError(f"the model declined to answer: {reply.refusal}")
    if reply.finish_reason == "content_filter":
        raise LlmError("the model's answer was withheld by its content filter")
    if not reply.content.strip():
        if reply.finish_reason == "length":
            raise LlmError(
                "the model used its whole token budget before answering",
                hint="raise llm.max_tokens in the settings",
            )
        raise LlmError("the model returned an empty answer")
    return reply


def _cited(text: str, ids: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in ids if i in text))


def _json(data: Any) -> str:
    return orjson.dumps(data).decode()
