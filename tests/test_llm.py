"""The optional language model only rephrases; any number it adds that no source holds is rejected.

No LLM is reachable here, so these use a scripted fake chat model and a local stub server that
speaks the OpenAI chat-completions API (both stand-ins, said so).
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.answer import Answerer
from assistant.components import Components
from assistant.llm import make_chat_model, unbacked_numbers

from .conftest import SEED, need_shared

Q = "2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？"


@pytest.fixture(scope="module")
def comp(tmp_path_factory):
    c = Components.from_settings(index_dir=tmp_path_factory.mktemp("llm") / "index")
    c.indexer.index([need_shared(SEED)])
    return c


def test_fake_model_with_wrong_number_is_rejected(comp):
    fake = FakeListChatModel(responses=["2019年该局共主动公开政府信息48条。[1]"])
    res = Answerer(comp.facts, comp.retriever, chat_model=fake).ask(Q)
    assert "47" in res["answer"] and "48" not in res["answer"]
    assert [f["value"] for f in res["figures"]] == ["47"]
    assert any("语言模型" in w for w in res["warnings"])


def test_fake_model_faithful_rephrase_is_used(comp):
    text = "宁波市对口支援和区域合作局在2019年主动公开了47条政府信息。[1]"
    res = Answerer(comp.facts, comp.retriever, chat_model=FakeListChatModel(responses=[text])).ask(Q)
    assert res["answer"] == text and not res["warnings"]


def test_model_never_answers_a_refusal(comp):
    fake = FakeListChatModel(responses=["大约100条。"])
    res = Answerer(comp.facts, comp.retriever, chat_model=fake).ask("2020年主动公开了多少条政府信息？")
    assert res["grounded"] is False and "100" not in res["answer"]


def test_unbacked_numbers():
    result = {"question": "q", "figures": [{"value": "47"}], "citations": [{"id": 1, "quote": "主动公开政府信息47条", "year": 2019}]}
    assert unbacked_numbers("2019年共47条[1]", result) == set()
    assert unbacked_numbers("共47条，另有12条", result) == {"12"}


class _StubOpenAI(BaseHTTPRequestHandler):
    reply = ""
    seen: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _StubOpenAI.seen.append(body)
        payload = {"id": "stub", "object": "chat.completion", "created": 0, "model": body.get("model", "stub"),
                   "choices": [{"index": 0, "finish_reason": "stop",
                                "message": {"role": "assistant", "content": _StubOpenAI.reply}}],
                   "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub_server():
    server = HTTPServer(("127.0.0.1", 0), _StubOpenAI)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


@pytest.mark.parametrize("reply,accepted", [("该局2019年主动公开政府信息47条。[1]", True),
                                            ("该局2019年主动公开政府信息4700条。[1]", False)])
def test_openai_compatible_stub_server(comp, stub_server, reply, accepted):
    _StubOpenAI.reply = reply
    _StubOpenAI.seen.clear()
    c = Components.from_settings(index_dir=comp.index_dir, llm_provider="openai", llm_base_url=stub_server,
                                 llm_model="stub-model")
    res = c.answerer.ask(Q)
    assert _StubOpenAI.seen and _StubOpenAI.seen[0]["model"] == "stub-model"
    prompt = json.dumps(_StubOpenAI.seen[0]["messages"], ensure_ascii=False)
    assert "主动公开政府信息47条" in prompt         # the evidence is what the model sees
    assert (res["answer"] == reply) is accepted
    assert [f["value"] for f in res["figures"]] == ["47"]


def test_llm_settings_errors():
    from assistant.settings import Settings
    from index.errors import ConfigurationError

    assert make_chat_model(Settings(llm_provider="none")) is None
    with pytest.raises(ConfigurationError):
        make_chat_model(Settings(llm_provider="openai", llm_model=""))
    with pytest.raises(ConfigurationError):
        make_chat_model(Settings(llm_provider="mystery", llm_model="x"))
    assert make_chat_model(Settings(llm_provider="ollama", llm_model="qwen2")) is not None


PASSAGE_Q = "宁波对口支援局2019年财政信息是怎么公开的"


def test_a_passage_answer_is_summarised_with_each_sentence_cited(comp):
    """Issue 20: with a model configured, quoted passages may become a short summary; every sentence
    cites the passages and the quoted passages stay below it as the sources (scripted fake model)."""
    plain = Answerer(comp.facts, comp.retriever).ask(PASSAGE_Q)
    assert plain["grounded"] and plain["figures"] == []
    text = "该局按财政信息公开格式，在政务公开“财政信息”栏公开了部门预算和决算。[1]"
    res = Answerer(comp.facts, comp.retriever, chat_model=FakeListChatModel(responses=[text])).ask(PASSAGE_Q)
    assert res["answer"].startswith(text) and res["summary"] == text
    assert plain["answer"] in res["answer"] and res["citations"] == plain["citations"]


@pytest.mark.parametrize("reply", [
    "该局公开了2020年部门预算。[1]",            # a number no cited passage holds
    "该局公开了部门预算和决算。",                 # a sentence that cites nothing
    "该局公开了部门预算。[9]",                    # a citation the answer does not have
])
def test_a_summary_sentence_without_backing_rejects_the_summary(comp, reply):
    plain = Answerer(comp.facts, comp.retriever).ask(PASSAGE_Q)
    res = Answerer(comp.facts, comp.retriever, chat_model=FakeListChatModel(responses=[reply])).ask(PASSAGE_Q)
    assert res["answer"] == plain["answer"] and "summary" not in res
    assert any("语言模型" in w for w in res["warnings"])
