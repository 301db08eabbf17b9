"""Rows of the report's claims table.

A claim pairs one sentence of the lecture with a number measured by the pipeline and a threshold that comes from
mathematics or from a paper (never from our own last run). Compute rules put their claims in their metrics JSON
under the key ``"claims"``; the report gathers every row and shows a failing claim as failing.
"""

from __future__ import annotations

import math
import operator
from typing import Any

_OPS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}

KINDS = ("identity", "empirical")
BASES = ("mathematics", "paper", "lecture")


def claim(
    text: str,
    measured: float | int | str | bool,
    op: str,
    threshold: float | int | str | bool,
    source: str,
    *,
    detail: str = "",
    applies: bool = True,
    not_applicable: str = "full profile only",
    kind: str | None = None,
    basis: str | None = None,
    uncertainty: float | None = None,
) -> dict[str, Any]:
    """Build one claims-table row; ``passed`` is ``measured op threshold`` (NaN never passes).

    ``kind`` is ``"identity"`` (mathematics verified to rounding: it could only fail through a bug) or
    ``"empirical"`` (a result that could have come out otherwise); the report counts the two apart. ``basis`` says
    where the threshold comes from: ``"mathematics"``, ``"paper"`` (``source`` then names the paper's own figure,
    table or equation) or ``"lecture"``. ``uncertainty`` is the measured value's standard error or interval
    half-width where it has one; a comparison should then pass only beyond it (the caller folds it into
    ``measured``, e.g. a difference minus two standard errors, and says so in ``detail``).

    ``applies=False`` marks a claim that this run cannot test by design (e.g. the paper's full-scale number in the
    quick profile): the row keeps its measured value, ``passed`` is None and ``status`` says why
    (``not_applicable``), so it is neither a pass nor a failure by design.
    """
    if op not in _OPS:
        raise ValueError(f"unknown comparison {op!r}; use one of {sorted(_OPS)}")
    if kind not in KINDS + (None,):
        raise ValueError(f"unknown claim kind {kind!r}; use one of {KINDS}")
    if basis not in BASES + (None,):
        raise ValueError(f"unknown threshold basis {basis!r}; use one of {BASES}")
    if isinstance(measured, float) and math.isnan(measured):
        passed = False
    else:
        passed = bool(_OPS[op](measured, threshold))
    if not applies:
        status, passed = not_applicable, None
    else:
        status = "pass" if passed else "FAIL"
    return {
        "claim": text,
        "measured": measured,
        "op": op,
        "threshold": threshold,
        "source": source,
        "passed": passed,
        "status": status,
        "detail": detail,
        "kind": kind,
        "basis": basis,
        "uncertainty": uncertainty,
    }


def verdict(row: dict[str, Any]) -> str:
    """'pass', 'FAIL' or the reason a claim was not tested here (older rows carry only ``passed``)."""
    if "status" in row:
        return row["status"]
    return "pass" if row["passed"] else "FAIL"


def gather(metrics: dict[str, dict]) -> list[dict[str, Any]]:
    """Flatten the claims of several metrics documents (name -> JSON) into rows tagged with their origin."""
    rows = []
    for name, doc in metrics.items():
        for row in doc.get("claims", []):
            rows.append({"metrics": name, **row})
    return rows
