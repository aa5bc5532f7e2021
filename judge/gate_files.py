"""The gate from files, for CI while the app holds the database: a calibration set exported from the
Prompts page and run files written by ``judge run --pairs PAIRS --out RUN.jsonl``.

It fails closed as the gate on the database does: a file that is not what it should be, a run of another
version, an unfinished run, a pair whose content differs from the set's, or a test pair the run did not
judge is exit 2 with the reason. What it cannot see from files is whether people's ratings changed after
the set was exported; the Prompts page says so (stale) and the exported file is then re-exported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from judge.calibration import GateResult, decide
from judge.data.files import read_rows
from judge.errors import JudgeError
from judge.llm.runfile import FORMAT as RUN_FORMAT
from judge.scale import FIVE, Scale, ScaleError

__all__ = ["SET_FORMAT", "gate_files"]

SET_FORMAT = "calibration-set/1"


class _Unfit(JudgeError):
    """A file the gate cannot decide from."""


def _scale(path: Path, data: dict[str, Any]) -> Scale:
    """The scale the set was rated on (a set file made before scales were declared is on 1-5)."""
    given = data.get("scale")
    if given is None:
        return FIVE
    try:
        return Scale(tuple(given["points"]), tuple(given.get("labels") or ()), given.get("pass_at"))
    except (KeyError, TypeError, ScaleError) as e:
        raise _Unfit(f"{path}, scale: not a scale ({e})") from e


def _set(path: Path) -> tuple[dict[str, Any], dict[tuple[str, str], tuple[int, int, str]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _Unfit(f"{path}: not a calibration set file ({e})") from e
    if (
        not isinstance(data, dict)
        or data.get("format") != SET_FORMAT
        or not isinstance(data.get("pairs"), list)
    ):
        raise _Unfit(
            f"{path}: not a calibration set file: export one on the Prompts page (format {SET_FORMAT!r})"
        )
    if "checksum" in data:  # files exported since the scale and criterion are part of what the gate reads
        from judge.prompt_loop import set_checksum  # here: prompt_loop imports the calibration package

        content = {k: data.get(k) for k in ("sha256", "criterion", "pairs", "scale")}
        if set_checksum(content) != data["checksum"]:
            raise _Unfit(f"{path}: the file was changed after it was exported (its checksum does not match); "
                         "export the set again")  # fmt: skip
    pairs: dict[tuple[str, str], tuple[int, int, str]] = {}
    scale = _scale(path, data)
    for number, row in enumerate(data["pairs"], start=1):
        if not isinstance(row, dict):
            raise _Unfit(f"{path}, pair {number}: not an object")
        consensus, split = row.get("consensus"), row.get("split")
        if not isinstance(consensus, int) or isinstance(consensus, bool) or consensus not in scale.points:
            raise _Unfit(f"{path}, pair {number}, consensus: a whole score of the scale {scale.span}, not "
                         f"{consensus!r}")  # fmt: skip
        if split not in ("dev", "test"):
            raise _Unfit(f"{path}, pair {number}, split: dev or test, not {split!r}")
        key = (str(row.get("external_id")), str(row.get("content_hash")))
        if key in pairs:
            raise _Unfit(f"{path}, pair {number}: pair {key[0]!r} is in the set twice")
        pairs[key] = (number, int(consensus), str(split))
    return data, pairs


def _run(path: Path, prompt: str, pairs: dict[tuple[str, str], tuple[int, int, str]], scale: Scale = FIVE
         ) -> pd.DataFrame:  # fmt: skip
    try:
        rows = read_rows(path)
    except (OSError, JudgeError) as e:
        raise _Unfit(f"{path}: {e}") from e
    if not rows or rows[0].get("format") != RUN_FORMAT:
        raise _Unfit(f"{path}: not a run file (written by judge run --pairs FILE --out RUN.jsonl)")
    header = rows[0]
    made_with = f"{header.get('prompt_name')}@{header.get('prompt_version')}"
    if made_with != prompt:
        raise _Unfit(f"{path}: the run is of {made_with}, not {prompt}")
    if (header.get("status") or "finished") != "finished":
        raise _Unfit(f"{path}: the run is {header.get('status')}, not finished")
    by_id = {external: (number, key_hash) for (external, key_hash), (number, _, _) in pairs.items()}
    judged = []
    for line_number, line in enumerate(rows[1:], start=2):
        external = str(line.get("external_id"))
        if external not in by_id:
            continue  # a pair of the dataset outside the set
        number, content = by_id[external]
        if line.get("content_hash") != content:
            raise _Unfit(
                f"{path}, row {line_number}: pair {external!r} was judged with other content than the set holds"
            )
        score = line.get("score")
        if score is not None and (isinstance(score, bool) or score not in scale.points):
            raise _Unfit(f"{path}, row {line_number}, score: a whole score of the scale {scale.span} or empty, "
                         f"not {score!r}")  # fmt: skip
        judged.append({"pair_id": number, "score": score})
    return pd.DataFrame(judged, columns=["pair_id", "score"])


def gate_files(set_path: Path, prompt: str, run_path: Path, minimum: dict[str, float] | None,
               base: tuple[str, Path] | None = None, tolerance: float = 0.0) -> GateResult:  # fmt: skip
    """The gate of ``prompt`` (NAME@VERSION) judged in ``run_path`` on the set of ``set_path``; ``base``: the
    version it must be no worse than and its run file."""
    if not minimum and base is None:
        return GateResult(2, "name what it must pass: --min FIGURE=VALUE (e.g. within_one=0.85) or --no-worse-than")
    try:
        data, pairs = _set(set_path)
        test = {number for number, _, split in pairs.values() if split == "test"}
        if not test:
            raise _Unfit(f"{set_path}: the set has no test pairs to compare on")
        scale = _scale(set_path, data)
        results = _run(run_path, prompt, pairs, scale)
        missing = test - set(results["pair_id"])
        if missing:
            raise _Unfit(
                f"{run_path}: the run judged {len(test) - len(missing)} of the set's {len(test)} test pairs"
            )
        against = None
        if base is not None:
            base_results = _run(base[1], base[0], pairs, scale)
            against = (base[0], 2, base_results)
    except _Unfit as e:
        return GateResult(2, f"cannot tell: {e}")
    people = pd.DataFrame([{"pair_id": number, "score": consensus} for number, consensus, split in pairs.values()
                           if split == "test"])  # fmt: skip
    return decide(
        str(data.get("name")),
        str(data.get("sha256", "")),
        people,
        1,
        results,
        minimum,
        against,
        tolerance,
        scale,
    )
