"""Split digit runs back into table cells, only as far as the template's own arithmetic pins them down.

Portals often publish a table as one line of text in which the digits of neighbouring cells touch:
"一、本年新收政府信息公开申请数量200 000121" is the seven cells 20|0|0|0|0|1|21. Nothing in the run
says where one cell ends, so reading it is a search:

1. enumerate every way to cut the run into the row's cells: each cell a well-formed number of its
   column's kind (no leading zeros except "0" itself; a sign only in 本年增/减 columns; a decimal
   point only in amount columns); a space is a cell boundary (portals put spaces between table cells,
   never inside a figure); a comma makes the row unreadable (it could be a thousands separator);
2. keep the cuts that satisfy every rule of the row (a block of parts adds up to its total);
3. for table 三, keep the combinations of rows that satisfy the column rules too (一+二 = （七）+四
   per column, the items of 三 add up to （七）), solved for the table as a whole;
4. a cell is read only when every surviving cut gives it the same value. Otherwise it stays unread,
   with its candidates, and nothing is guessed.

A table that breaks its own rules as published keeps no cut at all under them; then the fewest rules
are dropped that let a cut survive, every such choice is kept (we do not know which rule the
publisher broke), and only what all of them agree on is read. The search is bounded (`CAP` cuts per
row, `STATE_CAP` partial sums per column solve); hitting a bound reads less, never more, and says so.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal

INT, SIGNED, AMOUNT = "int", "signed", "amount"
CAP = 20000          # cuts enumerated per row (and rule subset) before giving up on the row
WORK_CAP = 200000    # search steps per row (and rule subset): a run with few cuts can still be a huge search
STATE_CAP = 50000    # distinct partial column sums kept while solving table 三's column rules
MAX_DROP = 2         # at most this many broken rules are looked for before all of them are dropped

_INT = re.compile(r"0|[1-9]\d*")
_SIGNED = re.compile(r"0|[-+]?[1-9]\d*")
_AMOUNT = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?")
_PATTERN = {INT: _INT, SIGNED: _SIGNED, AMOUNT: _AMOUNT}


@dataclass(frozen=True)
class RowSpec:
    """The cells a run must split into: one kind per cell, and the sum rules of the row.

    `blocks`: (first, total) pairs meaning cells[first:total] add up to cells[total].
    """
    kinds: tuple[str, ...]
    blocks: tuple[tuple[int, int], ...] = ()


@dataclass
class RowRead:
    """What a run can be: the surviving cuts, and what had to be given up to get them."""
    run: str
    candidates: list[tuple[str, ...]]
    dropped: tuple[int, ...] = ()      # block rules no cut satisfies (the row breaks them as published)
    capped: bool = False               # the enumeration hit CAP: candidates is empty and the row unread
    reason: str | None = None          # why the row cannot be read at all

    @property
    def split_needed(self) -> bool:
        """False when the run's spaces already separate every cell (nothing had to be cut)."""
        return len(self.run.split()) != len(self.candidates[0]) if self.candidates else True


@dataclass
class CellReading:
    value: str | None                  # None: not pinned down
    candidates: tuple[str, ...] = ()   # distinct values the surviving cuts give (when unread)


def valid(token: str, kind: str) -> bool:
    return bool(_PATTERN[kind].fullmatch(token))


def _dead(tok: str, kind: str) -> bool:
    if kind == INT:
        return True
    if kind == SIGNED:
        return tok not in ("-", "+")
    return not (tok.endswith(".") and tok.count(".") == 1 and valid(tok[:-1], INT))


def number(token: str) -> Decimal:
    return Decimal(token)


def _chunks(run: str) -> list[str]:
    return run.split()


def _num(token: str):
    return Decimal(token) if "." in token else int(token)


def enumerate_splits(run: str, spec: RowSpec, enforce: frozenset[int] | None = None,
                     cap: int = CAP) -> tuple[list[tuple[str, ...]], bool]:
    """Every cut of `run` into len(spec.kinds) well-formed cells satisfying the `enforce`d blocks
    (all blocks when None). Returns (cuts, capped).

    A block whose total is the row's last cell is searched from its total: each suffix of the run
    that can be the total fixes the sum its parts must reach, so parts larger than what is left are
    never tried. A block total inside the row must be the running sum written out, so it is checked,
    not searched."""
    enforce = frozenset(range(len(spec.blocks))) if enforce is None else enforce
    chunks = _chunks(run)
    n = len(spec.kinds)
    if not chunks or n == 0:
        return [], False
    last_block = next((b for b in enforce if spec.blocks[b][1] == n - 1
                       and all(spec.kinds[k] == INT for k in range(spec.blocks[b][0], n))), None)
    if last_block is None:
        return _enumerate(chunks, spec, enforce, None, None, cap, [WORK_CAP])
    out: list[tuple[str, ...]] = []
    budget = [WORK_CAP]
    tail = chunks[-1]
    for length in range(1, len(tail) + 1):
        total = tail[-length:]
        if not valid(total, INT):
            continue
        head = chunks[:-1] + ([tail[:-length]] if length < len(tail) else [])
        if not head:
            continue
        cuts, capped = _enumerate(head, RowSpec(spec.kinds[:-1], spec.blocks), enforce - {last_block},
                                  spec.blocks[last_block], int(total), cap - len(out), budget)
        if capped:
            return [], True
        out += [c + (total,) for c in cuts]
    return out, False


def _enumerate(chunks: list[str], spec: RowSpec, enforce: frozenset[int], target_block: tuple[int, int] | None,
               target: int | None, cap: int, budget: list[int]) -> tuple[list[tuple[str, ...]], bool]:
    n = len(spec.kinds)
    total_of = {spec.blocks[b][1]: spec.blocks[b][0] for b in enforce if spec.blocks[b][1] < n}
    first_t, end_t = target_block if target_block else (n, n)
    suffix_len = [0] * (len(chunks) + 1)
    for i in range(len(chunks) - 1, -1, -1):
        suffix_len[i] = suffix_len[i + 1] + len(chunks[i])
    out: list[tuple[str, ...]] = []
    cells: list[str] = []
    capped = False

    def rec(ci: int, pos: int, running: int) -> None:
        nonlocal capped
        budget[0] -= 1
        if budget[0] < 0:
            capped = True
            return
        k = len(cells)
        if ci == len(chunks):
            if k == n and (target is None or running == target):
                out.append(tuple(cells))
                if len(out) >= cap:
                    capped = True
            return
        left = n - k
        chars = len(chunks[ci]) - pos + suffix_len[ci + 1]
        if left < len(chunks) - ci or left > chars:
            return
        chunk = chunks[ci]
        kind = spec.kinds[k]
        if k in total_of:             # a block total inside the row: the running sum, written out
            first = total_of[k]
            want = sum(_num(c) for c in cells[first:k])
            ends = [pos + len(str(want))] if isinstance(want, int) else range(pos + 1, len(chunk) + 1)
        else:
            ends = range(pos + 1, len(chunk) + 1)
        in_target = first_t <= k < end_t
        for end in ends:
            if end > len(chunk):
                break
            tok = chunk[pos:end]
            if not valid(tok, kind):
                if _dead(tok, kind):
                    break            # no longer token from this start can be valid either
                continue
            if k in total_of and _num(tok) != sum(_num(c) for c in cells[total_of[k]:k]):
                continue
            grow = running
            if in_target:
                grow = running + int(tok)
                if grow > target:
                    break            # longer tokens only grow
                rest, after = end_t - k - 1, chars - (end - pos)
                if after > rest * len(str(target - grow)):
                    continue         # the parts left could not hold the digits left
            cells.append(tok)
            if end == len(chunk):
                rec(ci + 1, 0, grow)
            else:
                rec(ci, end, grow)
            cells.pop()
            if capped:
                return

    rec(0, 0, 0)
    return ([] if capped else out), capped


def read_row(run: str, spec: RowSpec, cap: int = CAP) -> RowRead:
    """The cuts of a run under all of its row rules, or, if none survives, under the fewest rules
    dropped (the union over every such choice)."""
    if re.search(r"[,，]", run):
        return RowRead(run, [], reason="含逗号，可能是千分位，不拆分")
    if not re.fullmatch(r"[\d\s.+\-]+", run):
        return RowRead(run, [], reason="含非数字字符")
    blocks = range(len(spec.blocks))
    for size in range(0, len(spec.blocks) + 1):
        found: dict[tuple[str, ...], None] = {}
        dropped: set[int] = set()
        capped = False
        for drop in itertools.combinations(blocks, size):
            cuts, hit = enumerate_splits(run, spec, frozenset(blocks) - set(drop), cap)
            if hit:
                capped = True
                break
            if cuts:
                found.update(dict.fromkeys(cuts))
                dropped.update(drop)
        if capped:
            return RowRead(run, [], capped=True, reason=f"拆分方式过多（超过{cap}种或搜索超过{WORK_CAP}步），未读取")
        if found:
            return RowRead(run, list(found), dropped=tuple(sorted(dropped)))
    return RowRead(run, [], reason="没有符合格式的拆分")


def agree(cuts: list[tuple[str, ...]], n: int) -> list[CellReading]:
    """Per cell: its value when every cut agrees, else its distinct candidates."""
    if not cuts:
        return [CellReading(None) for _ in range(n)]
    out = []
    for k in range(n):
        vals = list(dict.fromkeys(c[k] for c in cuts))
        out.append(CellReading(vals[0]) if len(vals) == 1 else CellReading(None, tuple(vals)))
    return out


# --- table 三: the column rules -------------------------------------------------------------------

@dataclass
class ColumnSolve:
    """Surviving cuts per row after the column rules, and which column rules had to be dropped."""
    viable: dict[str, list[tuple[str, ...]]]
    dropped: list[str] = field(default_factory=list)
    capped: bool = False


def _vec(cut: tuple[str, ...]) -> tuple[Decimal, ...]:
    return tuple(number(c) for c in cut)


def _solve(rows: dict[str, list[tuple[str, ...]]], items: list[str], total: str, identity: tuple[str, str, str, str],
           id_cols: tuple[int, ...], item_cols: tuple[int, ...]) -> dict[str, list[tuple[str, ...]]] | None:
    """Rows' cuts that belong to at least one assignment satisfying the enforced column rules.

    The two rules share only the （七）总计 row, so filtering each rule's rows to the cuts it supports,
    until nothing changes, leaves exactly the cuts of some full solution. None when no assignment
    exists; raises OverflowError when the search exceeds STATE_CAP."""
    viable = {r: list(cs) for r, cs in rows.items()}
    use_id = bool(id_cols) and all(r in rows for r in identity)
    use_items = bool(item_cols) and total in rows and all(r in rows for r in items)
    while True:
        before = {r: len(cs) for r, cs in viable.items()}
        if use_id:
            _filter_identity(viable, identity, id_cols)
        if use_items and all(viable.values()):
            _filter_items(viable, items, total, item_cols)
        if any(not cs for cs in viable.values()):
            return None
        if before == {r: len(cs) for r, cs in viable.items()}:
            return viable


def _filter_identity(viable, identity, cols) -> None:
    """一 + 二 = （七） + 四 on `cols`: keep the cuts of the four rows that take part in a solution."""
    combos = []
    for x in itertools.product(*(viable[r] for r in identity)):
        va, vb, vt, vc = map(_vec, x)
        if all(va[j] + vb[j] == vt[j] + vc[j] for j in cols):
            combos.append(x)
        if len(combos) > STATE_CAP:
            raise OverflowError
    for k, r in enumerate(identity):
        viable[r] = list(dict.fromkeys(x[k] for x in combos))


def _filter_items(viable, items, total, cols) -> None:
    """The items of 三 add up to （七） on `cols`: a forward pass of reachable partial sums, a backward
    pass of the sums that still reach a total, and each cut kept only if it links the two."""
    def proj(cut):
        v = _vec(cut)
        return tuple(v[j] for j in cols)

    def add(s, p):
        return tuple(x + y for x, y in zip(s, p))

    forward = [{tuple(Decimal(0) for _ in cols)}]
    for r in items:
        nxt = {add(s, proj(cut)) for s in forward[-1] for cut in viable[r]}
        if len(nxt) > STATE_CAP:
            raise OverflowError
        forward.append(nxt)
    viable[total] = [cut for cut in viable[total] if proj(cut) in forward[-1]]
    back = {proj(cut) for cut in viable[total]}
    for i in range(len(items) - 1, -1, -1):
        r = items[i]
        keep: dict[tuple[str, ...], None] = {}
        prev = set()
        for s in forward[i]:
            for cut in viable[r]:
                if add(s, proj(cut)) in back:
                    prev.add(s)
                    keep[cut] = None
        viable[r] = list(keep)
        back = prev


def solve_columns(rows: dict[str, list[tuple[str, ...]]], items: list[str], total: str,
                  identity: tuple[str, str, str, str], ncols: int) -> ColumnSolve:
    """Table 三 as a whole: per column 一+二 = （七）+四 (`identity` = rows 一, 二, 七, 四) and the
    `items` of 三 add up to `total`. Rows missing from `rows` leave the rules that need them out.

    Tries every rule, then the fewest dropped rules (up to MAX_DROP), keeping the union of what
    every such choice allows; past that, the whole items rule or the whole identity (the union of
    either that works), and if neither helps, only the row rules stand. Dropping rules can only
    leave more cuts, so a wrongly dropped rule reads less, never a wrong value."""
    rules = [("identity", j) for j in range(ncols)] + [("items", j) for j in range(ncols)]
    for size in range(0, MAX_DROP + 1):
        union: dict[str, dict[tuple[str, ...], None]] = {}
        dropped_sets: list[tuple] = []
        for drop in itertools.combinations(rules, size):
            id_cols = tuple(j for kind, j in rules if kind == "identity" and (kind, j) not in drop)
            it_cols = tuple(j for kind, j in rules if kind == "items" and (kind, j) not in drop)
            try:
                res = _solve(rows, items, total, identity, id_cols, it_cols)
            except OverflowError:
                return ColumnSolve({r: list(cs) for r, cs in rows.items()}, ["all (search bound hit)"], capped=True)
            if res is None:
                continue
            dropped_sets.append(drop)
            for r, cs in res.items():
                union.setdefault(r, {}).update(dict.fromkeys(cs))
        if dropped_sets:
            dropped = sorted({f"{kind}[{j}]" for d in dropped_sets for kind, j in d})
            return ColumnSolve({r: list(cs) for r, cs in union.items()}, dropped)
    # more broken rules than that: give up the items rule or the identity as a whole (either, kept
    # as a union), and only if neither helps, both
    union, dropped = {}, []
    for family in ("items", "identity"):
        id_cols = () if family == "identity" else tuple(range(ncols))
        it_cols = () if family == "items" else tuple(range(ncols))
        try:
            res = _solve(rows, items, total, identity, id_cols, it_cols)
        except OverflowError:
            res = None
        if res is not None:
            dropped.append(f"{family}[*]")
            for r, cs in res.items():
                union.setdefault(r, {}).update(dict.fromkeys(cs))
    if dropped:
        return ColumnSolve({r: list(cs) for r, cs in union.items()}, dropped)
    return ColumnSolve({r: list(cs) for r, cs in rows.items()}, ["all"])
