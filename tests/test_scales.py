"""Scales a dataset declares (binary, k-point ordinal): values read on them, every writer held to them, figures
that follow them, and the HANNA user study's published AC1 reproduced without re-coding."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from scipy import stats as sp
from statsmodels.stats.inter_rater import cohens_kappa

from judge.agreement import stats as s
from judge.agreement.people import people_summary
from judge.agreement.report import report
from judge.calibration import decide, human, snapshot
from judge.config import Settings
from judge.data import import_judgments, import_ratings
from judge.data.importer import ImportRejected, import_pairs
from judge.data.table import TableMapping, import_rating_table
from judge.dataset_rubric import criteria_of, declare_scale, rubric_for, scale_of
from judge.errors import JudgeError
from judge.judgment import Judgment
from judge.rubric import RubricError, current_rubric, parse_rubric
from judge.scale import FIVE, Scale, ScaleError, parse_scale
from storage import Database
from storage import adjudications as adjudication_store
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import results as result_store
from storage import runs as run_store
from storage.errors import RefusedError
from tests.conftest import csv_file, text_pair

HANNA = Path(__file__).resolve().parents[2] / "shared" / "data" / "hanna" / "user_study.csv"
BINARY = Scale((0, 1), ("wrong", "right"))


# --- reading a value on a scale -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "point"),
    [(True, 1), (False, 0), ("true", 1), ("FALSE", 0), ("yes", 1), ("no", 0), ("right", 1), (" Wrong ", 0),
     (0, 0), (1, 1), (1.0, 1), ("0.0", 0), ("1", 1)],
)  # fmt: skip
def test_a_binary_scale_reads_the_ways_files_write_it(value: object, point: int) -> None:
    assert BINARY.check(value) == point


@pytest.mark.parametrize(
    ("value", "words"),
    [(2, "the score 2 is outside the scale 0/1 (or true/false, wrong/right)"),
     (0.5, "not a whole number: 0.5"), (0.97, "not a whole number: 0.97"), ("maybe", "not a whole number: 'maybe'"),
     (None, "empty: a score is needed"), (float("nan"), "not a whole number")],
)  # fmt: skip
def test_a_value_off_a_binary_scale_says_what_the_scale_takes(value: object, words: str) -> None:
    with pytest.raises(ScaleError, match=words.replace("(", r"\(").replace(")", r"\)")):
        BINARY.check(value)


def test_an_ordinal_scale_takes_its_points_only() -> None:
    three = parse_scale("1-3:bad,fair,good")
    assert [three.check(v) for v in ("1", 2, 3.0)] == [1, 2, 3]
    for value, words in ((4, "outside the scale 1-3"), (0, "outside the scale 1-3"), (True, "not a number"),
                         ("good", "not a whole number")):  # fmt: skip
        with pytest.raises(ScaleError, match=words):
            three.check(value)


@given(low=st.integers(0, 9), k=st.integers(2, 10), data=st.data())
@example(low=0, k=2, data=None)
@example(low=1, k=10, data=None)
def test_every_scale_takes_each_of_its_points_and_nothing_else(low: int, k: int, data: st.DataObject | None) -> None:
    if low + k - 1 > 10:
        return
    scale = Scale.ordinal(low, low + k - 1)
    for point in scale.points:
        assert scale.check(str(point)) == scale.check(float(point)) == point
        assert scale.key(point) == str(point % 10)
    for off in (low - 1, low + k):
        with pytest.raises(ScaleError, match="outside the scale"):
            scale.check(off)
    assert len({scale.key(p) for p in scale.points}) == k  # one key per point


@pytest.mark.parametrize(
    ("spec", "pass_at", "words"),
    [("1-11", None, "2 to 10 points"), ("3-1", None, "2 to 10 points"), ("binary:a", None, "2 labels, not 1"),
     ("1-3:a,,b", None, "a label is empty"), ("one-five", None, "write binary"), ("binary", 1, "no pass mark"),
     ("1-5", 1, "above the lowest"), ("1-5", 6, "above the lowest")],
)  # fmt: skip
def test_a_scale_that_cannot_be_declared_says_why(spec: str, pass_at: int | None, words: str) -> None:
    with pytest.raises(ScaleError, match=words):
        parse_scale(spec, pass_at)


# --- a rubric declares its dataset's scale --------------------------------------------------------------------


def test_a_rubric_with_two_lines_is_a_binary_scale_and_needs_no_differences() -> None:
    rubric = parse_rubric(b'name = "sql"\nversion = 1\n[lines]\n1 = ["Right", "Same rows"]\n0 = ["Wrong", "Other rows"]\n',
                          "sql.toml")  # fmt: skip
    assert rubric.scale == Scale((0, 1), ("Wrong", "Right")) and rubric.scale.binary
    with pytest.raises(RubricError, match="maps no kind of difference"):
        rubric.score_of(["threshold"])


def test_the_deployment_rubric_stays_on_one_to_five(tmp_path: Path) -> None:
    path = tmp_path / "binary.toml"
    path.write_text('name = "b"\nversion = 1\n[lines]\n0 = ["No", "no"]\n1 = ["Yes", "yes"]\n')
    with pytest.raises(RubricError, match="a deployment's rubric is on the scale 1-5, not 0/1"):
        current_rubric({"JUDGE_RUBRIC": str(path)})


# --- every writer holds scores to their dataset's scale -------------------------------------------------------


@pytest.fixture
def binary_db(db: Database) -> Database:
    pair_store.add_pairs(db, "sql", [text_pair("q1"), text_pair("q2")])
    declare_scale(db, "sql", BINARY)
    return db


def _ids(db: Database, dataset: str) -> dict[str, int]:
    frame = pair_store.pairs_frame(db, dataset)
    return dict(zip(frame["external_id"], frame["pair_id"].astype(int), strict=True))


def test_storage_refuses_a_score_off_the_datasets_scale_on_every_path(binary_db: Database) -> None:
    db = binary_db
    q1, q2 = _ids(db, "sql").values()
    with pytest.raises(RefusedError, match="pair 'q1' of dataset sql: the score 2 is off the dataset's scale 0-1"):
        rating_store.record_rating(db, rating_store.NewRating(q1, "ana", 2, None, None, "t1"), first_only=True)
    batch = [rating_store.NewRating(q1, "ana", 1, None, None, "t2"), rating_store.NewRating(q2, "bo", 5, None, None, "t3")]
    with pytest.raises(RefusedError, match="pair 'q2' .* the score 5 is off"):
        rating_store.add_ratings(db, batch)
    assert rating_store.rating_count(db) == 0  # the good rating of the batch is not stored either
    run = run_store.create_run(db, name="r", judge_kind="external", status="imported",
                               dataset_id=pair_store.dataset_id(db, "sql"))  # fmt: skip
    with pytest.raises(RefusedError, match="the score 3 is off"):
        result_store.add_judgments(db, run, [Judgment("x", 0).of(q1), Judgment("x", 3).of(q2)])
    assert result_store.results_frame(db, run).empty
    with pytest.raises(RefusedError, match="the score 4 is off"):
        adjudication_store.add_adjudication(db, run, q1, "humans_right", None, "eng", 4)
    rating_store.record_rating(db, rating_store.NewRating(q1, "ana", 0, None, None, "t4"), first_only=True)
    result_store.add_judgments(db, run, [Judgment("x", 1).of(q1)])
    assert list(rating_store.ratings_frame(db, "sql")["score"]) == [0]


def test_a_dataset_with_scores_cannot_move_to_a_scale_they_are_off(db: Database) -> None:
    pair_store.add_pairs(db, "d", [text_pair("p")])
    (pair,) = _ids(db, "d").values()
    rating_store.record_rating(db, rating_store.NewRating(pair, "ana", 4, None, None, "t"), first_only=True)
    with pytest.raises(RefusedError, match=r"scores off the scale 0-1 of this rubric \(1 ratings from 4 to 4\)"):
        declare_scale(db, "d", BINARY)
    assert rubric_for(db, "d").scale.points == FIVE.points  # nothing changed


# --- files on the declared scale ------------------------------------------------------------------------------


def test_imports_on_a_binary_scale_take_true_false_and_labels_and_name_what_is_off(
    db: Database, tmp_path: Path
) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"external_id": f"q{i}", "kind": "text", "ground_truth": f"q{i}",
                                         "generated": f"sql {i}"}) + "\n" for i in range(4)))  # fmt: skip
    import_pairs(db, pairs, "sql", BINARY)
    assert rubric_for(db, "sql").scale.points == (0, 1)
    bad = csv_file(tmp_path / "bad.csv", [{"external_id": "q0", "annotator": "ana", "score": "true"},
                                      {"external_id": "q1", "annotator": "ana", "score": 0.5},
                                      {"external_id": "q2", "annotator": "ana", "score": 2}])  # fmt: skip
    with pytest.raises(ImportRejected) as refused:
        import_ratings(db, bad, "sql")
    text = str(refused.value)
    assert "row 2, field 'score': the score is not a whole number: '0.5'" in text
    assert "row 3, field 'score': the score 2 is outside the scale 0/1 (or true/false, wrong/right)" in text
    assert rating_store.rating_count(db) == 0
    good = csv_file(tmp_path / "good.csv", [{"external_id": "q0", "annotator": "ana", "score": "true"},
                                        {"external_id": "q1", "annotator": "ana", "score": "wrong"},
                                        {"external_id": "q2", "annotator": "ana", "score": "1"},
                                        {"external_id": "q3", "annotator": "ana", "score": "no"}])  # fmt: skip
    assert import_ratings(db, good, "sql").added == 4
    assert list(rating_store.ratings_frame(db, "sql").sort_values("external_id")["score"]) == [1, 0, 1, 0]
    with pytest.raises(JudgeError, match="dataset 'sql' is on the binary .* scale, not 5-point"):
        import_pairs(db, pairs, "sql", FIVE)
    judged = csv_file(tmp_path / "gpt.csv", [{"external_id": f"q{i}", "score": v} for i, v in enumerate([1, 0, True, 0.0])])
    assert import_judgments(db, judged, "sql").added == 4


# --- figures that follow the scale ----------------------------------------------------------------------------


def test_each_scale_has_the_figures_that_mean_something_on_it() -> None:
    binary = s.applicable(BINARY)
    assert "within_one" not in binary and "pass_fail" not in binary and "kappa_quadratic" not in binary
    assert {"exact", "kappa", "alpha_ordinal", "pearson", "mae", "bias"} <= set(binary)
    three = s.applicable(parse_scale("1-3"))
    assert "within_one" not in three and "pass_fail" not in three and "kappa_quadratic" in three
    assert "pass_fail" in s.applicable(parse_scale("1-3", 3))
    assert s.applicable(FIVE) == list(s.FIGURES)
    six = parse_scale("1-6", 4)
    assert "within_one" in s.applicable(six) and s.figure_label("pass_fail", six) == "Pass/fail agreement (pass: 4+)"
    assert s.headline_for("within_one", BINARY) == "exact" and s.headline_for("within_one", FIVE) == "within_one"


@given(low=st.integers(0, 5), k=st.integers(2, 6), n=st.integers(3, 60), seed=st.integers(0, 2**16))
@example(low=0, k=2, n=3, seed=0)
@example(low=1, k=3, n=40, seed=7)
def test_the_figures_on_any_scale_equal_their_oracles(low: int, k: int, n: int, seed: int) -> None:
    scale = Scale.ordinal(low, low + k - 1)
    rng = np.random.default_rng(seed)
    human = rng.integers(low, low + k, n)
    judge = np.clip(human + rng.integers(-1, 2, n), low, low + k - 1)
    t = s.table_of(human, judge, scale)
    assert t.shape == (k, k) and t.sum() == n
    assert s.exact(t) == pytest.approx(np.mean(human == judge))
    assert s.mae(t) == pytest.approx(np.mean(np.abs(human - judge)))
    assert s.bias(t) == pytest.approx(np.mean(judge - human))
    if scale.pass_mark is not None or k >= 2:
        mark = low + k // 2
        assert s.pass_fail(t, mark - low) == pytest.approx(np.mean((human >= mark) == (judge >= mark)))
    spread = len(set(human)) > 1 and len(set(judge)) > 1
    if spread:
        assert s.pearson(t) == pytest.approx(sp.pearsonr(human, judge)[0], abs=1e-9)
        assert s.spearman(t) == pytest.approx(sp.spearmanr(human, judge)[0], abs=1e-9)
        assert s.kendall_tau_b(t) == pytest.approx(sp.kendalltau(human, judge)[0], abs=1e-9)
    expected = cohens_kappa(t, return_results=False)
    if np.isfinite(expected) and s.kappa(t) is not None:
        assert s.kappa(t) == pytest.approx(expected, abs=1e-9)


def test_gwet_ac1_counts_the_scales_categories_not_five() -> None:
    """Two raters, 10 units on a binary scale, 8 agreeing: AC1 from Gwet's formula with q = 2."""
    counts = np.array([[2, 0]] * 5 + [[0, 2]] * 3 + [[1, 1]] * 2, dtype=float)
    pa = 0.8
    pi = np.array([0.6, 0.4])
    pe = float((pi * (1 - pi)).sum() / (2 - 1))
    assert s.gwet_ac1(counts) == pytest.approx((pa - pe) / (1 - pe))
    five = np.hstack([counts, np.zeros((10, 3))])  # the same ratings counted on five categories: higher
    assert s.gwet_ac1(five) > s.gwet_ac1(counts)


# --- end to end on each kind of scale: import, agreement, gate ------------------------------------------------


@pytest.mark.parametrize("spec", ["binary:wrong,right", "1-3", "1-5"])
def test_each_scale_kind_end_to_end_import_agreement_gate(db: Database, tmp_path: Path, spec: str) -> None:
    scale = parse_scale(spec)
    rng = np.random.default_rng(3)
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"external_id": f"p{i}", "kind": "text", "ground_truth": f"t{i}",
                                         "generated": f"g{i}"}) + "\n" for i in range(40)))  # fmt: skip
    import_pairs(db, pairs, "d", None if spec == "1-5" else scale)
    truth = rng.integers(scale.low, scale.high + 1, 40)
    rows = [{"external_id": f"p{i}", "annotator": who, "score": int(truth[i])} for i in range(40) for who in ("a", "b")]
    import_ratings(db, csv_file(tmp_path / "r.csv", rows), "d")
    judge = [int(v) if i % 5 else int(scale.high if v == scale.low else scale.low) for i, v in enumerate(truth)]
    made = import_judgments(db, csv_file(tmp_path / "j.csv", [{"external_id": f"p{i}", "score": v}
                                                          for i, v in enumerate(judge)]), "d")  # fmt: skip
    found = report(db, int(made.run_id or 0))
    assert found.scale.points == scale.points and found.n == 40
    assert found.figure("exact").value == pytest.approx(np.mean(np.array(judge) == truth))
    assert found.has("within_one") == (spec == "1-5")
    assert len(found.confusion) == scale.k and found.ceiling.categories == scale.k
    if spec != "1-5":
        with pytest.raises(JudgeError, match=f"within_one is not a figure of the {scale.kind}"):
            found.figure("within_one")
    calibration = snapshot(db, "cal", "d", dev_share=0.0)
    people = human(calibration, calibration.test_pairs)
    results = result_store.results_frame(db, int(made.run_id or 0))
    on_scale = scale_of(db, "d")
    within = decide("cal", calibration.sha256, people, int(made.run_id or 0), results, {"within_one": 0.5}, None,
                    scale=on_scale)  # fmt: skip
    exact = decide("cal", calibration.sha256, people, int(made.run_id or 0), results, {"exact": 0.5}, None,
                   scale=on_scale)  # fmt: skip
    assert exact.code == 0, exact.reason  # 80% the same score: clears 0.5 on any scale
    if spec == "1-5":
        assert within.code == 0, within.reason
    else:
        assert within.code == 2 and "within_one is not a figure" in within.reason


def test_a_gate_on_within_one_is_refused_on_a_binary_set_never_passed(db: Database) -> None:
    people = pd.DataFrame({"pair_id": range(40), "score": [i % 2 for i in range(40)]})
    results = pd.DataFrame({"pair_id": range(40), "score": [i % 2 for i in range(40)]})
    refused = decide("cal", "0" * 64, people, 1, results, {"within_one": 0.9}, None, scale=BINARY)
    assert refused.code == 2 and "within_one is not a figure of the binary" in refused.reason
    assert "gate on one of exact, kappa" in refused.reason
    passed = decide("cal", "0" * 64, people, 1, results, {"exact": 0.9}, None, scale=BINARY)
    assert passed.code == 0, passed.reason
    # on 1-5 the same within-one gate would be decided, as before
    five = decide("cal", "0" * 64, people.assign(score=people["score"] + 1), 1, results.assign(score=results["score"] + 3),
                  {"within_one": 0.9}, None)  # fmt: skip
    assert five.code == 1


# --- the HANNA user study: the published AC1 without re-coding ------------------------------------------------

FLAGS = {"Answer.a-1-guidelines.1": 0.90, "Answer.a-2-syntax.1": 0.97, "Answer.a-3-superfluous.1": 0.66,
         "Answer.a-5-unsubstantiated.1": 0.60, "Answer.a-6-incoherence.1": 0.81}  # fmt: skip


def test_the_hanna_user_study_reproduces_its_published_ac1_as_binary_ratings(db: Database) -> None:
    mapping = TableMapping("Input.explanation", "Input.story_id", tuple(FLAGS))
    made = import_rating_table(db, HANNA, "hanna-study", mapping, parse_scale("binary:no,yes"))
    assert made.pairs == 100  # the explanations once, each rated on five criteria
    assert criteria_of(db, "hanna-study") == list(FLAGS)
    for column, published in FLAGS.items():
        found = people_summary(db, "hanna-study", Settings.from_env({}), column)
        assert found.ceiling.pairs == 100 and found.ceiling.categories == 2
        assert round(found.ceiling.gwet_ac1 or 0, 2) == published, column
    again = import_rating_table(db, HANNA, "hanna-study", mapping, parse_scale("binary:no,yes"))
    assert again.pairs == 0 and all(r.added == 0 for r in again.criteria.values())  # imported once


def test_a_rating_table_with_a_missing_column_or_an_off_scale_value_stores_nothing(db: Database, tmp_path: Path) -> None:
    path = csv_file(tmp_path / "study.csv", [{"item": "a", "text": "x", "flag": "1"}, {"item": "a", "text": "x", "flag": "7"}])
    with pytest.raises(JudgeError, match=r"study.csv: no column 'story'; the file has 'item', 'text', 'flag'"):
        import_rating_table(db, path, "s", TableMapping("text", "story", ("flag",)), BINARY)
    with pytest.raises(ImportRejected, match="row 2, field 'flag': the score 7 is outside the scale 0/1"):
        import_rating_table(db, path, "s", TableMapping("text", "item", ("flag",)), BINARY)
    assert pair_store.datasets(db).empty


def test_the_scale_upgrade_keeps_every_score_and_id_and_puts_old_datasets_on_one_to_five(tmp_path: Path) -> None:
    import duckdb

    from storage.schema import MIGRATIONS, migrate

    path = tmp_path / "old.duckdb"
    connection = duckdb.connect(str(path))
    migrate(connection, MIGRATIONS[:11])
    connection.execute("INSERT INTO datasets VALUES (1, 'd', NULL, now())")
    connection.execute("INSERT INTO pairs VALUES (1, 1, 'x', 'text', NULL, 'a', 'b', NULL, NULL, 'h', now())")
    connection.execute("""INSERT INTO rating_events (pair_id, annotator, score, created_at, token, kind)
                          VALUES (1, 'ana', 4, now(), 't1', 'blind'), (1, 'ana', 2, now(), 't2', 'blind')""")
    connection.execute("""INSERT INTO judge_runs (name, judge_kind, dataset_id, status, created_at)
                          VALUES ('r', 'external', 1, 'imported', now())""")
    connection.execute("INSERT INTO judge_results (run_id, pair_id, sample, score, created_at) VALUES (1, 1, 0, 5, now())")
    connection.execute("""INSERT INTO adjudications (run_id, pair_id, verdict, adjudicator, created_at, score)
                          VALUES (1, 1, 'humans_right', 'lee', now(), 3)""")
    connection.execute("INSERT INTO dataset_rubrics VALUES (1, 'text', 'sha', NULL, now())")
    connection.close()
    db = Database(path)
    events = rating_store.ratings_frame(db, current_only=False)
    assert list(events["score"]) == [4, 2] and list(rating_store.ratings_frame(db)["score"]) == [2]
    assert list(result_store.results_frame(db, 1)["score"]) == [5]
    assert list(adjudication_store.adjudications_frame(db, 1)["score"]) == [3]
    span = db.cursor().execute("SELECT criterion, low, high FROM dataset_scales WHERE dataset_id = 1").fetchall()
    assert span == [("", 1, 5)]
    rating_store.record_rating(db, rating_store.NewRating(1, "bo", 1, None, None, "t3"), first_only=True)
    assert int(db.cursor().execute("SELECT max(id) FROM rating_events").fetchone()[0]) == 3  # ids go on
    db.close()


# --- the consensus rule is a choice ----------------------------------------------------------------------------


@given(scores=st.lists(st.tuples(st.integers(0, 6), st.integers(1, 5), st.sampled_from("abcd")), min_size=1,
                       max_size=40))
@example(scores=[(1, 2, "a"), (1, 3, "b")])  # a median and a mean on a half: the lower score
def test_each_consensus_rule_equals_its_definition_on_any_ratings(scores: list[tuple[int, int, str]]) -> None:
    from judge.agreement.report import consensus

    frame = pd.DataFrame(scores, columns=["pair_id", "score", "annotator"]).drop_duplicates(["pair_id", "annotator"])
    groups = frame.groupby("pair_id")["score"]
    median = consensus(frame, rule="median")
    assert median.to_dict() == {p: int(np.sort(v)[(len(v) - 1) // 2]) for p, v in groups}
    mean = consensus(frame, rule="mean")
    assert mean.to_dict() == {p: int(np.ceil(v.mean() - 0.5)) for p, v in groups}
    majority = consensus(frame, rule="majority")
    assert majority.to_dict() == {p: int(min(v.mode())) for p, v in groups}
    one = consensus(frame, rule="rater:a")
    assert one.to_dict() == dict(zip(frame.loc[frame["annotator"] == "a", "pair_id"],
                                     frame.loc[frame["annotator"] == "a", "score"], strict=True))  # fmt: skip
    assert consensus(frame.assign(consensus_rule="mean")).to_dict() == mean.to_dict()  # the frame's own rule


def test_a_datasets_rule_moves_every_figure_and_a_named_rater_is_the_human_side(db: Database, tmp_path: Path) -> None:
    from judge.dataset_rubric import set_rules

    pair_store.add_pairs(db, "d", [text_pair(f"p{i}") for i in range(4)])
    ids = _ids(db, "d")
    given = {"p0": (1, 1, 5), "p1": (2, 2, 2), "p2": (4, 5, 5), "p3": (1, 2, 4)}  # by ana, bo, expert
    rating_store.add_ratings(db, [rating_store.NewRating(ids[p], who, v, None, None, f"{p}-{who}")
                                  for p, row in given.items() for who, v in zip(("ana", "bo", "expert"), row,
                                                                                 strict=True)])  # fmt: skip
    run = run_store.create_run(db, name="j", judge_kind="external", status="imported",
                               dataset_id=pair_store.dataset_id(db, "d"))  # fmt: skip
    result_store.add_judgments(db, run, [Judgment("x", v).of(ids[p]) for p, v in {"p0": 5, "p1": 2, "p2": 5, "p3": 4}.items()])
    assert report(db, run).human_scores == [1, 2, 5, 2]  # the lower median
    set_rules(db, "d", "rater:expert", "median")
    assert report(db, run).figure("exact").value == 1.0  # the judge agrees with the expert on every pair
    set_rules(db, "d", "mean", "mean")
    assert report(db, run).human_scores == [2, 2, 5, 2]  # 2.33, 2, 4.67, 2.33 rounded
    with pytest.raises(JudgeError, match="nobody named 'lee' rated dataset d; its raters are ana, bo, expert"):
        set_rules(db, "d", "rater:lee", "median")
    with pytest.raises(JudgeError, match="combine by median, mean; not 'majority'"):
        set_rules(db, "d", "median", "majority")


def test_the_offline_judge_refuses_a_scale_whose_rubric_prices_no_difference(db: Database, tmp_path: Path) -> None:
    from judge.execution.run import new_execution_run

    pairs = tmp_path / "a.jsonl"
    pairs.write_text(json.dumps({"external_id": "a", "ground_truth": "event('Order').count() >= 1",
                                 "generated": "event('Order').count() >= 2"}) + "\n")  # fmt: skip
    import_pairs(db, pairs, "aud", BINARY)
    with pytest.raises(JudgeError, match=r"rubric of aud \(a binary .* scale\) says none: give it a rubric with a"):
        new_execution_run(db, "aud")
    assert run_store.runs_frame(db).empty


@pytest.mark.parametrize(("spec", "words"), [("binary:yes,no", "would read as its opposite"),
                                             ("binary:1,0", "is a number of its own"),
                                             ("binary:ok,OK", "different from each other")])  # fmt: skip
def test_labels_a_file_would_misread_are_refused_when_the_scale_is_declared(spec: str, words: str) -> None:
    with pytest.raises(ScaleError, match=words):
        parse_scale(spec)


def test_importing_pairs_again_never_changes_what_a_datasets_scores_mean(db: Database, tmp_path: Path) -> None:
    pairs = tmp_path / "p.jsonl"
    pairs.write_text(json.dumps({"external_id": "a", "kind": "text", "ground_truth": "x", "generated": "y"}) + "\n")
    import_pairs(db, pairs, "b", BINARY)
    with pytest.raises(JudgeError, match="is on the binary .0 wrong, 1 right. scale, not binary .0 right, 1 wrong."):
        import_pairs(db, pairs, "b", parse_scale("binary:right,wrong"))
    import_pairs(db, pairs, "b", parse_scale("binary:wrong,right"))  # the same scale: fine, nothing changes
    assert rubric_for(db, "b").scale.labels == ("wrong", "right")
    import_pairs(db, pairs, "audience", None)
    before = rubric_for(db, "audience")
    import_pairs(db, pairs, "audience", parse_scale("1-5"))  # the audience rubric is kept, differences and all
    assert rubric_for(db, "audience").sha256 == before.sha256 and rubric_for(db, "audience").differences


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Tokyo"])
def test_a_moment_reads_the_same_whatever_the_machines_time_zone(zone: str) -> None:
    import duckdb

    from judge.execution.compiler import moment_sql, timestamp_of

    connection = duckdb.connect(":memory:")
    connection.execute(f"SET TimeZone = '{zone}'")
    assert connection.execute("SELECT current_setting('TimeZone')").fetchone() == (zone,)
    for text in ("2024-01-01T00:00:00", "2024-01-01", "2024-01-01T02:00+02:00", "2024-01-01T00:00:00Z",
                 "0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"):  # fmt: skip
        (sql,) = connection.execute(f"SELECT {moment_sql('$1')}", [text]).fetchone()
        assert sql == timestamp_of(text), (zone, text)


def test_a_run_file_is_read_on_its_datasets_scale(db: Database, tmp_path: Path) -> None:
    from judge.llm.runfile import FORMAT, import_run_file

    path = tmp_path / "p.jsonl"
    path.write_text('{"external_id": "q", "kind": "sql", "ground_truth": "SELECT 1", "generated": "SELECT 2"}\n')
    import_pairs(db, path, "sql", BINARY)
    content = pair_store.pair_keys(db, "sql")["q"][1]
    header = {"format": FORMAT, "token": "t1", "dataset": "sql", "model": "m", "prompt_name": "judge-cot",
              "prompt_version": "9", "prompt_hash": "h"}  # fmt: skip
    run = tmp_path / "run.jsonl"
    for token, score, ok in (("t1", 3, False), ("t2", 0, True)):
        run.write_text(json.dumps({**header, "token": token}) + "\n"
                       + json.dumps({"external_id": "q", "content_hash": content, "score": score}) + "\n")  # fmt: skip
        if ok:
            assert import_run_file(db, run).added == 1
        else:
            with pytest.raises(ImportRejected, match="row 2, field 'score': the score '?3'? is outside the scale"):
                import_run_file(db, run)


# --- what the attack review of session 10 found ------------------------------------------------------------------

@pytest.mark.parametrize(("key", "why"), [("²", "whole scores from 0 to 10"), ("01", "write the score as 1")])
def test_a_rubric_line_key_that_is_not_a_plain_number_is_refused(key: str, why: str) -> None:
    text = f'name = "r"\nversion = 1\n[lines]\n{key!r} = ["a", "b"]\n2 = ["c", "d"]\n3 = ["e", "f"]\n'
    with pytest.raises(RubricError, match=why):
        parse_rubric(text.replace("'", '"').encode(), "r.toml")


@pytest.mark.parametrize("spec", ["²-5", "1-⁵", "١-٥"])
def test_a_scale_spec_with_other_digits_is_a_sentence_not_a_crash(spec: str) -> None:
    with pytest.raises(ScaleError, match="write binary, binary:LABEL,LABEL, or LOW-HIGH"):
        parse_scale(spec)


def test_labels_with_control_characters_or_quotes_are_kept_exactly(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"external_id": "q", "kind": "text", "ground_truth": "a", "generated": "b"}\n')
    scale = Scale((0, 1), ('no\x01pe "x"', "ye\\s"))
    import_pairs(db, path, "odd", scale)
    assert scale_of(db, "odd").labels == scale.labels


def test_a_blank_score_says_it_is_empty() -> None:
    for blank in (None, "", "  "):
        with pytest.raises(ScaleError, match="empty: a score is needed"):
            FIVE.check(blank)


def test_a_study_table_refuses_one_person_rating_an_item_twice_and_stores_nothing(db: Database, tmp_path: Path) -> None:
    rows = [{"item": "a", "text": "x", "who": "ana", "flag": "1"}, {"item": "a", "text": "x", "who": "ana", "flag": "0"}]
    path = csv_file(tmp_path / "twice.csv", rows)
    with pytest.raises(ImportRejected, match="row 2, field 'who': 'ana' rated .* already in row 1"):
        import_rating_table(db, path, "s", TableMapping("text", "item", ("flag",), "who"), BINARY)
    assert pair_store.datasets(db).empty


def test_a_rubric_that_moves_a_label_of_a_rated_scale_is_refused(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"external_id": "q", "kind": "sql", "ground_truth": "a", "generated": "b"}\n')
    import_pairs(db, path, "sql", BINARY)
    pair = int(pair_store.pairs_frame(db, "sql")["pair_id"].iloc[0])
    rating_store.record_rating(db, rating_store.NewRating(pair, "ana", 1, None, None, "t"), first_only=True)
    swapped = tmp_path / "swapped.toml"
    swapped.write_text('name = "s"\nversion = 2\n[lines]\n1 = ["wrong", "it is wrong"]\n0 = ["right", "fine"]\n')
    from judge.dataset_rubric import set_rubric

    with pytest.raises(JudgeError, match="puts 'right' on 0, where the scores given so far mean it by 1"):
        set_rubric(db, "sql", swapped)
    assert scale_of(db, "sql").labels == ("wrong", "right")
    worded = tmp_path / "worded.toml"
    worded.write_text('name = "s"\nversion = 2\n[lines]\n1 = ["right", "it answers"]\n0 = ["wrong", "it does not"]\n')
    assert "is now rated and judged by" in set_rubric(db, "sql", worded)  # new meanings, same names: fine


def test_a_rater_left_out_of_the_consensus_cannot_be_peoples_side(db: Database) -> None:
    from judge.dataset_rubric import set_rules
    from storage import labels

    pair_store.add_pairs(db, "d", [text_pair("a")])
    pair = int(pair_store.pairs_frame(db, "d")["pair_id"].iloc[0])
    rating_store.record_rating(db, rating_store.NewRating(pair, "expert", 4, None, None, "t"), first_only=True)
    labels.exclude(db, "expert", "lee", "too fast")
    with pytest.raises(JudgeError, match="expert is left out of the consensus"):
        set_rules(db, "d", "rater:expert", "median")
