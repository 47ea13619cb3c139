"""Request and response models of the REST API: the JSON contract of ../shared/DESIGN.md, with the
field descriptions the API docs show. The answerer returns plain dicts; these only describe them."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .errors import ErrorBody, responses as errors  # noqa: F401  (the one error shape, re-exported)


class HistoryTurn(BaseModel):
    role: Literal["user", "assistant"] = Field(description="who said it: the user's question or the assistant's answer")
    content: str = Field(max_length=1000, description="the text of that turn (a longer answer: its first 1000 "
                                                       "characters, which is all a follow-up needs)")


class Figure(BaseModel):
    model_config = ConfigDict(extra="allow")
    value: str = Field(description="the figure exactly as the source writes it (digits, decimal point, %)")
    unit: str | None = Field(default=None, description="unit as written (条, 件, 万元, …), when there is one")
    label: str | None = Field(default=None, description="what the figure counts, in words")
    citation: int | None = Field(default=None, description="id of the citation the figure comes from")
    computed: str | None = Field(default=None, description="for a computed figure (difference, sum): the formula, "
                                                           "e.g. \"9487 - 550\"; its cells are all cited")


class Citation(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int = Field(description="the number shown as [n] in the answer text")
    report_id: str = Field(description="id of the cited report (GET /api/reports/{report_id}; its original file "
                                       "at /api/reports/{report_id}/file)")
    source: str | None = Field(default=None, description="file name of the report as indexed")
    agency: str | None = Field(default=None, description="agency that published the report")
    year: int | None = Field(default=None, description="year the report covers")
    title: str | None = Field(default=None, description="title of the cited report, as people name it")
    section: str | None = Field(default=None, description="section path, joined with \" › \"")
    table: str | None = Field(default=None, description="table title, for a table cell")
    row: str | None = Field(default=None, description="row label path joined with \" / \", for a table cell")
    column: str | None = Field(default=None, description="column label path joined with \" / \", for a table cell")
    quote: str | None = Field(default=None, description="the quoted text (for a cell, the row as text); it contains "
                                                        "every cited figure as written")
    page: int | None = Field(default=None, description="page of a PDF source, when known")
    check_failed: bool = Field(default=False, description="a consistency check of the source that involves this "
                                                          "cell failed (the check is in `warnings`)")


class Metric(BaseModel):
    model_config = ConfigDict(extra="allow")
    table: str | None = Field(default=None, description="template table of the metric, for a table cell")
    row: str | None = Field(default=None, description="template row path")
    column: str | None = Field(default=None, description="template column path")
    subject: str | None = Field(default=None, description="prose subject, for a figure stated in the text")


class Unread(BaseModel):
    kind: str = Field(description="what kind of words were not read: period, channel, topic, office, part, rate, column")
    text: str = Field(description="the question's words that were not read")
    why: str = Field(description="what the reports give instead, in Chinese")


class Candidate(BaseModel):
    model_config = ConfigDict(extra="allow")
    value: str | None = Field(description="a figure near what was asked, exactly as the source writes it; never an "
                                          "answer. null for a passage near what was asked (its words are the "
                                          "citation's quote)")
    unit: str | None = Field(default=None, description="unit as written")
    label: str | None = Field(default=None, description="what the figure counts, in words")
    text: str | None = Field(default=None, description="the candidate in one line, for people")
    question: str | None = Field(default=None, description="the question this figure does answer (for a click to ask it)")
    citation: int | None = Field(default=None, description="id of the citation (in `citations`) the figure comes from")
    citations: list[int] = Field(default_factory=list, description="ids of every citation it comes from (a computed one has several)")


class Interpretation(BaseModel):
    model_config = ConfigDict(extra="allow")
    text: str = Field(description="one line in Chinese saying how the question was read; shown under every answer")
    agencies: list[str] = Field(default_factory=list, description="agencies the question was read to be about")
    years: list[int] = Field(default_factory=list, description="years the question was read to be about")
    metrics: list[Metric] = Field(default_factory=list, description="metrics: template cells or prose subjects")
    operation: str | None = Field(default=None, description="value, sum, difference, change, ratio, rank, trend, "
                                                            "compare, average (meta: a question about the assistant)")
    unread: list[str] = Field(default_factory=list, description="the spans of the question that were not read; "
                                                                "when not empty, grounded is false and figures is empty")
    unread_why: list[Unread] = Field(default_factory=list, description="each unread span with its kind and what "
                                                                       "the reports give instead")
    agency_mentions: list[dict] = Field(default_factory=list, description="each agency read, with the question's "
                                                                          "words it was read from")
    unknown_agency: str | None = Field(default=None, description="an agency the question names that the corpus "
                                                                 "has no report of (the answer is then a refusal)")
    ignored_filters: list[str] = Field(default_factory=list, description="filters the question's own agency or "
                                                                         "year overrode")


class AskRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"question": "2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？", "agency": None, "year": None, "history": []},
        {"question": "那2020年呢？", "history": [
            {"role": "user", "content": "2019年宁波市对口支援和区域合作局主动公开了多少条政府信息？"},
            {"role": "assistant", "content": "2019年，宁波市对口支援和区域合作局主动公开政府信息47条。[1]"}]}]})
    question: str = Field(min_length=1, max_length=100_000, pattern=r"\S",
                          description="the question, in Chinese; empty or only spaces is 422 (问题不能为空); the "
                                      "configured RA_MAX_QUESTION_CHARS cap (maxLength here) applies, 422 past it")
    agency: str | None = Field(default=None, max_length=100, description="only reports of this agency")
    year: int | None = Field(default=None, ge=1990, le=2100, description="only reports of this year")
    history: list[HistoryTurn] = Field(default_factory=list, max_length=20,
                                       description="earlier turns of the conversation, oldest first, so that a "
                                                   "follow-up such as 那2020年呢？ is read with the previous question "
                                                   "(the last 20 turns at most)")

    @field_validator("question")
    @classmethod
    def not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("问题不能为空")
        return v


class AskResponse(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None = Field(default=None, description="the id given with a batch question, echoed back")
    question: str | None = Field(default=None, description="the question as answered")
    answer: str = Field(description="the answer text for people; [n] marks refer to citations")
    grounded: bool = Field(description="true when every figure of the answer is a figure in a cited source; "
                                       "false when the corpus does not answer the question")
    figures: list[Figure] = Field(default_factory=list, description="every figure the answer shows, with its citation")
    citations: list[Citation] = Field(default_factory=list, description="the cited sources, numbered as in the answer")
    warnings: list[str] = Field(default_factory=list, description="what concerns this answer: failed consistency "
                                                                  "checks of a cited table, ambiguity, missing years")
    interpretation: Interpretation | None = Field(default=None, description="how the question was read")
    candidates: list[Candidate] = Field(default_factory=list, description="when the question was not answered: "
                                        "the nearest figures the reports hold, each cited like a figure (its "
                                        "citation is in `citations`), offered as 您是不是想问, never counted as the "
                                        "answer (never in `figures`)")
    summary: str | None = Field(default=None, description="with a language model configured, a text answer's "
                                "short summary, each sentence citing the quoted passages (the passages stay in "
                                "`answer` and `citations`); absent otherwise")


class Health(BaseModel):
    status: str = Field(description="\"ok\" when the app answers")
    reports: int = Field(description="number of indexed reports")


class CitationRef(BaseModel):
    """A citation of an answer, as sent back to POST /api/source."""
    model_config = ConfigDict(extra="allow")
    report_id: str = Field(max_length=200, description="id of the cited report")
    section: str | None = Field(default=None, description="section path")
    table: str | None = Field(default=None, description="table title, for a table cell")
    row: str | None = Field(default=None, description="row label path")
    column: str | None = Field(default=None, description="column label path")
    quote: str | None = Field(default=None, description="the quoted text")


class ReportSummary(BaseModel):
    model_config = ConfigDict(extra="allow")
    report_id: str = Field(description="id of the report")
    agency: str | None = Field(default=None, description="agency that published it (null: not recognised)")
    year: int | None = Field(default=None, description="year it covers (null: not recognised)")
    title: str | None = Field(default=None, description="title as people name it")
    source: str | None = Field(default=None, description="file name as indexed")
    format: str | None = Field(default=None, description="file format")
    failed_checks: int = Field(description="number of the report's consistency checks that fail")
    warnings: list[str] = Field(default_factory=list, description="what the parser noted about the file")
    reading: list[dict] = Field(default_factory=list, description="per template table: cells read and how")


class ReportDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    report_id: str = Field(description="id of the report")
    agency: str | None = Field(default=None, description="agency that published it")
    year: int | None = Field(default=None, description="year it covers")
    checks: list[dict] = Field(default_factory=list, description="every consistency check of the report")



class Example(BaseModel):
    kind: str = Field(description="what kind of question it shows (数值, 排名, …)")
    question: str = Field(description="the example question")


class Overview(BaseModel):
    model_config = ConfigDict(extra="allow")
    text: str = Field(description="one line: how many reports, agencies and years the index holds")
    coverage: dict = Field(description="the same as data")
    lines: list[str] = Field(default_factory=list, description="one line per agency")
    examples: list[Example] = Field(default_factory=list, description="example questions built from the index")
