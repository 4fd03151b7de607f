"""The AI narrative of the rep digests against a real HTTP server on 127.0.0.1 speaking the
Messages API (october.MessagesAPI), with the real anthropic SDK pointed at it: a valid answer
is used and cached, an invalid one, a server error and a timeout each fall back to the
template."""

from __future__ import annotations

import json

import pytest

from coaching_pipeline.db import open_warehouse
from coaching_pipeline.digests.narrative import NARRATIVE_SCHEMA, TOOL_NAME

from .october import (
    ai_env,
    files,
    render,
    rep_doc,
    rep_sources,
)

# Modules on the shared S sample run in one worker, so it is built once.
pytestmark = pytest.mark.xdist_group("sample")


def test_a_valid_ai_answer_is_used_and_cached(sample, api, tmp_path, monkeypatch):
    ai_env(monkeypatch, api, "test-model-valid")
    folder, metadata = render(sample["warehouse"], tmp_path / "first")
    assert len(api.requests) == 40
    body = api.requests[0]["body"]
    assert api.requests[0]["path"] == "/v1/messages"
    assert "test-key" in json.dumps(api.requests[0]["headers"])  # the configured key is sent
    assert body["model"] == "test-model-valid"
    assert body["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    assert body["tools"][0]["input_schema"] == NARRATIVE_SCHEMA
    for request in api.requests:  # the prompt holds metrics only: no seller, no account
        prompt = json.dumps(request["body"])
        assert not any(name in prompt for name in sample["sellers"].values())
        assert "alert(1)" not in prompt
    assert rep_sources(folder) == {"ai"}
    page = rep_doc(folder, sample["rep_id"])
    assert "AI-7f3a" in page and "Written by Claude (test-model-valid) from your metrics only." in page
    assert "AI-7f3a" in rep_doc(folder, sample["rep_id"], "md")
    assert (metadata["llm_api_requests"], metadata["llm_cache_hits"]) == (40, 0)
    assert (metadata["llm_input_tokens"], metadata["llm_output_tokens"]) == (40 * 321, 40 * 87)
    con = open_warehouse(sample["warehouse"], read_only=True)
    cached = con.execute("select count(*) from coaching.llm_cache where model = 'test-model-valid'").fetchone()[0]
    con.close()
    assert cached == 40

    # a second render asks nothing: every answer comes from the cache, byte for byte
    again, metadata = render(sample["warehouse"], tmp_path / "second")
    assert len(api.requests) == 40
    assert (metadata["llm_api_requests"], metadata["llm_cache_hits"], metadata["llm_input_tokens"]) == (0, 40, 0)
    first, second = files(folder), files(again)
    assert [k for k in first if first[k] != second[k]] == ["render.json"]


def test_an_invalid_ai_answer_falls_back_to_the_template(sample, api, tmp_path, monkeypatch):
    api.mode = "invalid"
    ai_env(monkeypatch, api, "test-model-invalid")
    folder, metadata = render(sample["warehouse"], tmp_path)
    assert len(api.requests) == 40
    assert rep_sources(folder) == {"template"}
    assert metadata["narrative_fallback_reasons"] == {"invalid_answer": 40}
    page = rep_doc(folder, sample["rep_id"])
    assert "Written from your metrics by the standard template." in page
    assert api.names[0] not in page or api.names[0] == sample["sellers"][sample["rep_id"]]
    con = open_warehouse(sample["warehouse"], read_only=True)
    assert con.execute("select count(*) from coaching.llm_cache where model = 'test-model-invalid'").fetchone()[0] == 0
    con.close()


def test_a_server_error_is_retried_then_falls_back(sample, api, tmp_path, monkeypatch):
    api.mode = "error"
    ai_env(monkeypatch, api, "test-model-error", retries=2)
    folder, metadata = render(sample["warehouse"], tmp_path)
    # each call: the first try and 2 SDK retries; after 3 failed calls the run stops asking
    assert len(api.requests) == 3 * 3
    assert rep_sources(folder) == {"template"}
    assert metadata["narrative_fallback_reasons"] == {"api_error": 3, "api_unavailable": 37}
    assert "Written from your metrics by the standard template." in rep_doc(folder, sample["rep_id"])


def test_a_timeout_falls_back_to_the_template(sample, api, tmp_path, monkeypatch):
    api.mode = "slow"
    ai_env(monkeypatch, api, "test-model-slow", timeout=0.4, retries=0)
    folder, metadata = render(sample["warehouse"], tmp_path)
    assert len(api.requests) == 3
    assert rep_sources(folder) == {"template"}
    assert metadata["narrative_fallback_reasons"] == {"api_error": 3, "api_unavailable": 37}
    assert metadata["llm_input_tokens"] == 0
