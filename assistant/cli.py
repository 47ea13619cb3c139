"""Command line: parse, index, ask, eval, checks. Errors become one line on stderr and a non-zero exit."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from index.errors import ReportAssistantError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m assistant",
                                description="Cited answers from government information-disclosure annual reports.")
    p.add_argument("--index", dest="index_dir", help="index folder (default: RA_INDEX_DIR or data/index)")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)

    sp = sub.add_parser("parse", help="parse one report and print it")
    sp.add_argument("file")
    sp.add_argument("--json", action="store_true", help="print the whole report as JSON")

    si = sub.add_parser("index", help="add or update reports (files or folders)")
    si.add_argument("paths", nargs="*")
    si.add_argument("--index", dest="index_dir_sub")
    si.add_argument("--remove", action="append", default=[], metavar="REPORT_OR_SOURCE",
                    help="drop a report by id or source file name")

    sa = sub.add_parser("ask", help="answer a question (or a batch) from the index")
    sa.add_argument("question", nargs="?")
    sa.add_argument("--batch", metavar="FILE.jsonl")
    sa.add_argument("--index", dest="index_dir_sub")
    sa.add_argument("--json", action="store_true")
    sa.add_argument("--agency")
    sa.add_argument("--year", type=int)

    se = sub.add_parser("eval", help="accuracy report on a question set, beside a naive RAG pipeline")
    se.add_argument("file")
    se.add_argument("--index", dest="index_dir_sub")
    se.add_argument("--no-naive", action="store_true", help="skip the naive LangChain baseline")

    su = sub.add_parser("understand", help="how a question is read (agencies, years, metrics, operation), without answering")
    su.add_argument("question")
    su.add_argument("--index", dest="index_dir_sub")
    su.add_argument("--json", action="store_true")
    su.add_argument("--agency")
    su.add_argument("--year", type=int)

    sc = sub.add_parser("checks", help="list failed consistency checks, per agency")
    sc.add_argument("--index", dest="index_dir_sub")
    sc.add_argument("--json", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    index_dir = getattr(args, "index_dir_sub", None) or args.index_dir
    try:
        return _run(args, Path(index_dir) if index_dir else None)
    except ReportAssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:       # output piped into `head` and closed early: not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run(args, index_dir: Path | None) -> int:
    if args.command == "parse":
        from index.sandbox import SandboxedParser

        from .components import sandbox_limits
        from .settings import get_settings

        settings = get_settings()
        with SandboxedParser(sandbox_limits(settings)) as sandbox:       # the file may be hostile too
            report = sandbox.parse(args.file, int(settings.max_file_mb * 1024 * 1024)).report
        if args.json:
            print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
        else:
            _print_report_summary(report)
        return 0

    from .components import Components

    comp = Components.from_settings(index_dir=index_dir)
    if args.command == "index":
        from .commands import run_index

        return run_index(comp, args.paths, args.remove)
    if args.command == "ask":
        from .commands import run_ask

        return run_ask(comp, args.question, args.batch, args.json, args.agency, args.year)
    if args.command == "eval":
        from .commands import run_eval

        return run_eval(comp, args.file, naive=not args.no_naive)
    if args.command == "understand":
        from .citations import interpretation

        reading = interpretation(comp.answerer.understand(args.question, agency=args.agency, year=args.year))
        print(json.dumps(reading, ensure_ascii=False, indent=1) if args.json else reading["text"])
        return 0
    if args.command == "checks":
        from .commands import run_checks

        return run_checks(comp, args.json)
    return 2


def _print_report_summary(report) -> None:
    m = report.meta
    print(f"{m.title or m.source}\n  agency: {m.agency}  year: {m.year}  id: {m.report_id}")
    print(f"  sections: {len(report.sections)}  paragraphs: {len(report.paragraphs)}  "
          f"tables: {len(report.tables)}  facts: {len(report.facts)}")
    for t in report.reading():
        how = ", ".join(f"{k} {v}" for k, v in t["layouts"].items()) or "none"
        print(f"  table {t['table']}: {t['read']}/{t['expected']} cells read ({how})")
    failed = [c for c in report.checks if c.passed is False]
    print(f"  checks: {len(report.checks)} ({len(failed)} failed)")
    for c in failed:
        print(f"    FAILED {c.table}: {c.rule}: expected {c.expected}, found {c.found}")
    for w in report.warnings:
        print(f"  warning: {w}")
