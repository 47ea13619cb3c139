"""Score sentences and blocks against a question that asks for words.

Four signals, each cheap: the question's words in the sentence (each word weighted by how rare it
is among the candidate sentences; a long word not said whole counts by its character pairs), the
block's own heading (a body sentence under
"（四）政府信息公开平台建设情况" is about 平台建设 even when it does not say so), the meaning of the
paragraph (the hybrid BM25 + dense retriever's rank, when it is open), and the report section the
question points at by its words (data: `passages.sections` in concepts.yaml).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..understand.concepts import model, passage_model
from ..understand.reader import tokens
from .units import Block, Sentence

SECTION_BONUS = 0.12
MEANING_BONUS = 0.12
PREAMBLE_PENALTY = 0.3
HEADING_SHARE = 0.95
SECTION_ANSWERS = 0.6     # as much of the question as a sentence can say, for the section a question names alone


def query_of(subject: str) -> str:
    """The question's subject without the words that only ask ("是怎么做的", "有哪些", "咋样"): the
    longer asking words go wherever they stand, one-character ones ("吗", "的") only as whole words."""
    asking = passage_model().asking_words
    for w in asking:
        if len(w) > 1:
            subject = subject.replace(w, " ")
    whole = passage_model().whole_words
    pieces = re.split("(" + "|".join(map(re.escape, whole)) + ")", subject) if whole else [subject]
    words = [t for i, piece in enumerate(pieces) for t in ([piece] if i % 2 else tokens(piece))]
    kept = [t for t in words if t.strip() and t not in asking and re.search(r"[\u4e00-\u9fffA-Za-z0-9]", t)]
    return " ".join(_joined_singles(kept))


def _joined_singles(words: list[str]) -> list[str]:
    """A word the dictionary lacks comes out one character at a time (抖|音): adjacent single
    characters are one word again (抖音)."""
    out: list[str] = []
    single = False                     # the last word was made of single characters
    for w in words:
        if len(w) == 1 and single:
            out[-1] += w
        else:
            out.append(w)
            single = len(w) == 1
    return out


def pointed_sections(text: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The report sections the question's words point at: (words of the heading, words that pointed)."""
    return [(about, tuple(w for w in words if w in text)) for about, words in passage_model().sections
            if any(w in text for w in words)]


def in_section(block: Block, about: tuple[str, ...]) -> bool:
    """Any heading of the block's path says it ("（一）主要问题" under a mis-numbered section too)."""
    return any(w in block.section for w in about)


def shortcoming(text: str) -> bool:
    return any(w in text for w in passage_model().shortcoming_words)


@dataclass(frozen=True)
class Scored:
    score: float
    words: float             # the question's words found in the sentence and its heading
    sentence: Sentence


class Ranker:
    def __init__(self, question: str, subject: str, blocks: dict[str, list[Block]],
                 meaning: dict[tuple[str, int], float] | None = None, agencies: list[str] = ()):
        self.query = query_of(subject)
        # words of the agency's own name left in the subject ("上海每个季度") say nothing about the passage
        self.terms = [t for t in dict.fromkeys(self.query.split())
                      if not (len(t) >= 2 and any(t in a for a in agencies))]
        self.sections = pointed_sections(question)
        self.asks_problems = any("问题" in about for about, _ in self.sections)
        # "有哪些不足": the question says nothing but which section it means; that section answers
        said = [w for _, words in self.sections for w in words]
        whole = model().whole_report_words
        rest = "".join(self.terms)
        for w in sorted({*said, *whole}, key=len, reverse=True):
            rest = rest.replace(w, " ")
        self.only_section = bool(said) and all(len(t) == 1 or any(t in w for w in (*said, *whole))
                                               for t in rest.split())
        self.blocks = blocks
        self.meaning = meaning or {}
        every = [s.text for bs in blocks.values() for b in bs for s in b.sentences]
        self.weights = self._weights(every)

    def unsaid(self, text: str) -> list[str]:
        """The question's words (of two characters or more) `text` does not say in any spelling or
        part, leaving out the words that name the report as a whole (政府信息, 公开)."""
        whole = model().whole_report_words
        return [t for t in self.terms if len(t) >= 2 and not any(t in w for w in whole)
                and self.coverage_of(t, text) == 0]

    def nowhere(self, word: str) -> bool:
        """No sentence in scope says the word in any spelling (its weight was halved for it)."""
        return self._nowhere.get(word, False)

    def drop(self, words: set[str]) -> None:
        """Leave these words out of the question's words (they are read another way)."""
        self.terms = [t for t in self.terms if t not in words]
        self.weights = {t: w for t, w in self.weights.items() if t not in words}

    def _weights(self, texts: list[str]) -> dict[str, float]:
        """A word weighs by how rare it is among the sentences in scope; a word that no sentence
        says ("咋样", "使劲", or a subject the report does not treat) weighs half, and a one-character
        word little."""
        n = max(1, len(texts))
        out = {}
        self._nowhere: dict[str, bool] = {}
        same_as = passage_model().same_as
        for t in self.terms:
            df = sum(1 for x in texts if t in x or any(y in x for y in same_as.get(t, ())))
            w = math.log(1 + n / (1 + df))
            if df == 0:
                w *= 0.5
                self._nowhere[t] = True
            if len(t) == 1:
                w *= 0.3
            out[t] = w
        return out

    def coverage(self, text: str) -> float:
        """How much of the question's words `text` says: a word counts whole when it stands in the
        text, else by the share of its character pairs that do ("业务培训" ~ "业务指导培训")."""
        total = sum(self.weights.values())
        if not total:
            return 0.0
        return sum(w * self.coverage_of(t, text) for t, w in self.weights.items()) / total

    @staticmethod
    def coverage_of(t: str, text: str) -> float:
        """1 when `text` says the word (or one of its spellings in the data), else the share of its
        character pairs it says (not for words kept whole); a one-character word with fuller
        spellings counts by them (管: 管理, not 分管)."""
        pm = passage_model()
        said = pm.same_as.get(t, ())
        if (t in text and not (len(t) == 1 and said)) or any(x in text for x in said):
            return 1.0
        if len(t) >= 3 and t not in pm.whole_words:
            pairs = {t[i:i + 2] for i in range(len(t) - 1)}
            return sum(1 for p in pairs if p in text) / len(pairs)
        return 0.0

    def sentence(self, block: Block, s: Sentence) -> Scored:
        # a sentence under a heading that names the question ("（四）加强平台建设" for 平台建设) is about it
        words = max(self.coverage(s.text), HEADING_SHARE * self.coverage(s.text + " " + block.leaf))
        pointed = any(in_section(block, about) for about, _ in self.sections)
        if pointed and self.only_section:      # the section it names is what it asks
            words = max(words, SECTION_ANSWERS)
        score = words
        if pointed:
            score += SECTION_BONUS
        if self.asks_problems and pointed and shortcoming(s.text):
            score += SECTION_BONUS
        if not block.section:          # the preamble before section 一 names every section: rarely the answer
            score -= PREAMBLE_PENALTY
        score += MEANING_BONUS * self.meaning.get((s.report_id, s.paragraph["start_pos"] or 0), 0.0)
        return Scored(score, words, s)

    def ranked(self) -> list[tuple[float, Block, list[Scored]]]:
        """Blocks with their sentences scored, best block first. A block's score is its best
        sentence's, lifted a little by how much of the question the block says as a whole. A
        question that names nothing but a section ("有哪些不足") is answered from that section when
        the report has it."""
        blocks = [b for bs in self.blocks.values() for b in bs if b.sentences]
        if self.only_section:
            inside = [b for b in blocks if any(in_section(b, about) for about, _ in self.sections)]
            blocks = inside or blocks
        out = []
        for b in blocks:
            scored = [self.sentence(b, s) for s in b.sentences]
            best = max(x.score for x in scored)
            whole = self.coverage("".join(s.text for s in b.sentences) + b.leaf)
            out.append((0.8 * best + 0.2 * whole, b, scored))
        out.sort(key=lambda x: -x[0])
        return out
