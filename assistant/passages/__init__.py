"""Text answers: what the reports say in words.

`units` cuts a report's paragraphs into sentences that know their place (section path, heading,
enumerated item); `rank` scores them against a question (words, meaning, the section the question
points at); `compose` turns the best into one to three whole passages, each cited, or a refusal with
the nearest passages as candidates.
"""
from .compose import answer_passage, asks_words

__all__ = ["answer_passage", "asks_words"]
