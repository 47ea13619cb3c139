"""Optional language model: it may only rephrase the evidence, and its text is checked figure by figure.

Any number in the model's text that is not in the cited evidence rejects the text; the deterministic
answer is kept (and the rejection logged). A passage answer (quoted sentences, no figures) may be
summarised instead: each sentence of the summary must cite passages of the answer, and its numbers
must be in the passages it cites. Off by default (RA_LLM_PROVIDER=none).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from index.errors import ConfigurationError

log = logging.getLogger(__name__)
PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
_NUM = re.compile(r"\d+(?:[.,]\d+)*%?")
_CITE = re.compile(r"\[(\d+)\]")
_SUMMARY_SENTENCE = re.compile(r"[^。！？]+[。！？]?(?:\s*\[\d+\])*")


def make_chat_model(settings):
    """A langchain chat model from settings, or None when no model is configured."""
    provider = (settings.llm_provider or "none").lower()
    if provider == "none":
        return None
    if not settings.llm_model:
        raise ConfigurationError("RA_LLM_MODEL is required when RA_LLM_PROVIDER is set")
    if provider == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(model=settings.llm_model, base_url=settings.llm_base_url or None,
                          api_key=settings.llm_api_key, timeout=settings.llm_timeout_s, max_retries=0, temperature=0)
    if provider == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(model=settings.llm_model, base_url=settings.llm_base_url or None, temperature=0)
    raise ConfigurationError(f"unknown RA_LLM_PROVIDER '{provider}' (use none, openai or ollama)")


def numbers_in(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUM.findall(text or "")}


def unbacked_numbers(text: str, result: dict) -> set[str]:
    """Numbers in `text` that neither a figure nor a citation quote (nor the question) contains."""
    allowed = set()
    for f in result.get("figures", []):
        allowed |= numbers_in(str(f.get("value", ""))) | numbers_in(f.get("computed", "") or "")
    for c in result.get("citations", []):
        allowed |= numbers_in(c.get("quote", "")) | numbers_in(str(c.get("year", "")))
        allowed |= {str(c.get("id"))}
    allowed |= numbers_in(result.get("question", ""))
    return numbers_in(text) - allowed


def rephrase(chat_model, result: dict) -> dict:
    """Ask the model to rephrase a grounded answer; keep it only if every number in it is backed."""
    if chat_model is None or not result.get("grounded"):
        return result
    text = _ask_model(chat_model, "rephrase", question=result["question"], answer=result["answer"],
                      evidence=_evidence(result))
    if text is None:
        return result
    bad = unbacked_numbers(text, result)
    if not text or bad:
        log.warning("language model text rejected: unbacked numbers %s", sorted(bad))
        return {**result, "warnings": [*result["warnings"], "语言模型的改写含有无出处的数字，已弃用，显示原始答案"]}
    return {**result, "answer": text}


def is_passage_answer(result: dict) -> bool:
    """Quoted passages answer the question: grounded, no figures, every citation a passage (no cell)."""
    cits = result.get("citations") or []
    return bool(result.get("grounded") and not result.get("figures") and cits
                and all(c.get("table") is None for c in cits))


def unbacked_sentences(text: str, result: dict) -> list[str]:
    """Sentences of a summary that cite no passage of the answer, or state a number their cited
    passages do not hold."""
    quotes = {c["id"]: c.get("quote") or "" for c in result.get("citations", [])}
    bad = []
    for m in _SUMMARY_SENTENCE.finditer(text or ""):
        sentence = m.group(0).strip()
        if not sentence:
            continue
        ids = [int(i) for i in _CITE.findall(sentence)]
        if not ids or any(i not in quotes for i in ids):
            bad.append(sentence)
            continue
        said = numbers_in(" ".join(quotes[i] for i in ids)) | numbers_in(result.get("question", ""))
        if numbers_in(_CITE.sub("", sentence)) - said:
            bad.append(sentence)
    return bad


def summarise(chat_model, result: dict) -> dict:
    """A short summary of a passage answer, each sentence cited; kept only when every sentence cites
    the answer's passages and states no number they lack. The quoted passages stay as the sources."""
    text = _ask_model(chat_model, "summarise", question=result["question"], evidence=_evidence(result))
    if not text or "无法概括" in text:
        return result
    bad = unbacked_sentences(text, result)
    if bad:
        log.warning("language model summary rejected: %d sentence(s) without backing", len(bad))
        return {**result, "warnings": [*result["warnings"], "语言模型的概括有句子没有出处或含无出处的数字，已弃用，显示原文段落"]}
    return {**result, "answer": text + "\n\n原文：" + result["answer"], "summary": text}


def _evidence(result: dict) -> str:
    return "\n".join(f"[{c['id']}] {c['quote']}" for c in result["citations"])


def _ask_model(chat_model, prompt: str, **fields) -> str | None:
    """The model's reply to prompts/{prompt}_system.txt and _user.txt (filled with `fields`); None when
    the model fails (it is optional: the deterministic answer is kept)."""
    from langchain_core.messages import HumanMessage, SystemMessage

    system = (PROMPTS / f"{prompt}_system.txt").read_text(encoding="utf-8")
    user = (PROMPTS / f"{prompt}_user.txt").read_text(encoding="utf-8").format(**fields)
    try:
        reply = chat_model.invoke([SystemMessage(content=system), HumanMessage(content=user)])
        return (getattr(reply, "content", "") or "").strip()
    except Exception as exc:
        log.warning("language model failed (%s); keeping the deterministic answer", exc)
        return None
