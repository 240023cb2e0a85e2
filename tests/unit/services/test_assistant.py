"""The LLM layer against a local OpenAI-compatible server: what is sent, what comes back.

The cluster is a recorded crash loop whose log line, event and env carry planted secrets; the
server records every request, so a test can prove none of them ever left the machine.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kubemedic.config import LlmSetting, Settings
from kubemedic.errors import ConfigError, LlmError
from kubemedic.services.agent_tools import ToolContext
from kubemedic.services.assistant import ask, explain
from kubemedic.services.redaction import Redaction
from tests.support.chat_server import chat_server, reply, tool_call

SCENARIO = Path(__file__).parents[2] / "scenarios" / "crashloop.app-error-go-panic"
PLANTED = ("Planted-Pw-1", "planted-key-2", "plantedtoken333", "planted-env-4")
ENV = {"KUBEMEDIC_LLM_API_KEY": "sk-test-key-not-a-secret"}


@pytest.fixture
def cluster(tmp_path: Path) -> Path:
    """The crash loop, with secrets planted in its log, its events and its env."""
    folder = tmp_path / "cluster"
    shutil.copytree(SCENARIO, folder)
    logs = folder / "logs.txt"
    logs.write_text(
        logs.read_text().replace(
            "panic: runtime error: invalid memory address or nil pointer dereference",
            "panic: login to postgres://app:Planted-Pw-1@db:5432 refused "
            "with API_KEY=planted-key-2",
        )
    )
    events = folder / "events.yaml"
    events.write_text(
        events.read_text().replace("message: Back-off", "message: Bearer plantedtoken333 Back-off")
    )
    pod = folder / "pod.yaml"
    pod.write_text(
        pod.read_text().replace(
            "    image:",
            "    env:\n    - name: DB_PASSWORD\n      value: planted-env-4\n    image:",
            1,
        )
    )
    return folder


def _settings(url: str, **llm: object) -> Settings:
    chosen = {"base_url": url, "model": "test-model", "retries": 0, **llm}
    return Settings(llm=LlmSetting.model_validate(chosen))


def _context(settings: Settings, cluster: Path, *, redact: bool = True) -> ToolContext:
    return ToolContext(settings, files=(cluster,), redaction=Redaction(enabled=redact))


def test_ask_calls_the_tools_and_cites_the_findings_without_leaking_secrets(
    cluster: Path,
) -> None:
    script = [
        reply(tool_calls=[tool_call("c1", "diagnose", "{}")]),
        reply("The indexer crashes at start-up [KM-POD-CRASHLOOP-APP-ERROR]."),
    ]
    with chat_server(script) as server:
        settings = _settings(server.url, max_tokens=300)
        done = ask("why does the indexer fail?", _context(settings, cluster), ENV)

    assert done.text == "The indexer crashes at start-up [KM-POD-CRASHLOOP-APP-ERROR]."
    assert done.cited == ("KM-POD-CRASHLOOP-APP-ERROR",)
    assert done.tools_called == ("diagnose",)
    first, second = server.requests
    assert first["model"] == "test-model"
    assert first["max_tokens"] == 300
    names = [t["function"]["name"] for t in first["tools"]]
    assert "diagnose" in names
    assert "propose_change" in names
    assert first["tools"][0]["function"]["parameters"]["additionalProperties"] is False
    tool_turn = second["messages"][-1]
    assert tool_turn["role"] == "tool"
    assert tool_turn["tool_call_id"] == "c1"
    assert "KM-POD-CRASHLOOP-APP-ERROR" in tool_turn["content"]
    assert "[REDACTED]" in tool_turn["content"]
    assert not [secret for secret in PLANTED if secret in server.sent]
    assert server.headers[0]["Authorization"] == "Bearer sk-test-key-not-a-secret"


def test_the_planted_secrets_do_reach_the_model_when_redaction_is_off(cluster: Path) -> None:
    """The secrets are really in the data: redaction, not luck, keeps them home."""
    script = [reply(tool_calls=[tool_call("c1", "diagnose", "{}")]), reply("ok")]
    with chat_server(script) as server:
        ask("why?", _context(_settings(server.url), cluster, redact=False), ENV)

    assert "Planted-Pw-1" in server.sent
    assert "plantedtoken333" in server.sent


def test_show_prompt_builds_the_request_and_sends_nothing(cluster: Path) -> None:
    with chat_server([]) as server:
        done = ask(
            "is DB_PASSWORD=hunter2 the problem?",
            _context(_settings(server.url), cluster),
            ENV,
            send=False,
        )
    assert server.requests == []
    assert done.text is None
    assert "hunter2" not in str(done.request)
    assert done.request["messages"][1]["content"].startswith("is DB_PASSWORD=[REDACTED]")


def test_bad_tool_arguments_go_back_to_the_model_as_an_error(cluster: Path) -> None:
    script = [
        reply(tool_calls=[tool_call("c1", "diagnose", "{not json")]),
        reply(tool_calls=[tool_call("c2", "diagnose", '{"kind": "Spaceship", "name": "x"}')]),
        reply("I could not diagnose it."),
    ]
    with chat_server(script) as server:
        done = ask("why?", _context(_settings(server.url), cluster), ENV)

    assert done.text == "I could not diagnose it."
    assert server.requests[1]["messages"][-1]["content"].startswith("error: the arguments")
    assert "kind: Input should be" in server.requests[2]["messages"][-1]["content"]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ((200, b"<html>gateway</html>"), "not a chat completion"),
        ((200, b'{"choices": []}'), "not a chat completion"),
        ((401, b'{"error": {"message": "invalid api key"}}'), "HTTP 401: invalid api key"),
        (reply(None, refusal="I can't help with that."), "declined to answer"),
        (reply("", finish="length"), "whole token budget"),
    ],
)
def test_unusable_answers_are_llm_errors(cluster: Path, answer: object, message: str) -> None:
    with chat_server([answer]) as server, pytest.raises(LlmError, match=message) as caught:  # type: ignore[list-item]
        explain({"findings": []}, _settings(server.url), ENV)
    assert "sk-test-key" not in str(caught.value)


def test_a_model_that_does_not_answer_in_time_is_an_llm_error_after_the_retries() -> None:
    with chat_server([2.0, 2.0]) as server, pytest.raises(LlmError, match="did not answer"):
        explain({"findings": []}, _settings(server.url, timeout=0.2, retries=1), ENV)
    assert len(server.requests) == 2


def test_explain_sends_the_redacted_findings_and_returns_the_text(cluster: Path) -> None:
    from kubemedic.services.agent_tools import DiagnoseArguments, diagnosis_data, run_diagnosis

    settings = Settings()
    findings = diagnosis_data(run_diagnosis(_context(settings, cluster), DiagnoseArguments()))
    with chat_server([reply("It crashes on start [KM-POD-CRASHLOOP-APP-ERROR].")]) as server:
        done = explain(findings, _settings(server.url), ENV)

    assert done.cited == ("KM-POD-CRASHLOOP-APP-ERROR",)
    assert "KM-POD-CRASHLOOP-APP-ERROR" in server.sent
    assert not [secret for secret in PLANTED if secret in server.sent]


def test_without_a_model_configured_explain_and_ask_say_how(cluster: Path) -> None:
    with pytest.raises(ConfigError, match="no language model") as caught:
        explain({"findings": []}, Settings(), {})
    assert caught.value.exit_code == 2
    assert "llm.base_url" in (caught.value.hint or "")
