"""Criteria: one dataset, several named criteria each on its own scale; a person rates every criterion of a pair
on one screen, and every figure, run and set is of one criterion."""

from __future__ import annotations

from pathlib import Path

import pytest

from judge import annotation
from judge.agreement.people import people_summary
from judge.agreement.report import consensus, report
from judge.calibration import snapshot
from judge.config import Settings
from judge.data import import_judgments, import_ratings
from judge.data.importer import ImportRejected
from judge.data.table import TableMapping, import_rating_table
from judge.dataset_rubric import criteria_of, declare_criteria, run_scale, scale_of
from judge.desk import Desk
from judge.errors import JudgeError
from judge.scale import parse_scale
from storage import Database
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage.errors import RefusedError
from tests.conftest import csv_file, text_pair

SETTINGS = Settings.from_env({"JUDGE_OVERLAP": "0", "JUDGE_GOLD_EVERY": "0"})


@pytest.fixture
def stories(db: Database) -> tuple[Database, int]:
    """Twelve pairs rated on fluency (1-5) and on whether the story is on topic (binary)."""
    pair_store.add_pairs(db, "stories", [text_pair(f"s{i}", f"prompt {i}", f"story {i}") for i in range(12)])
    declare_criteria(db, "stories", {"fluency": parse_scale("1-5"), "on topic": parse_scale("binary:no,yes")})
    key = pair_store.dataset_id(db, "stories")
    assert key is not None
    return db, key


def test_each_criterion_has_its_own_scale_and_the_dataset_no_single_score(stories: tuple[Database, int]) -> None:
    db, _ = stories
    assert criteria_of(db, "stories") == ["fluency", "on topic"]
    assert scale_of(db, "stories", "fluency").points == (1, 2, 3, 4, 5)
    assert scale_of(db, "stories", "on topic").labels == ("no", "yes")
    with pytest.raises(JudgeError, match="has no criterion ''; it is rated on the criteria 'fluency', 'on topic'"):
        scale_of(db, "stories")


@pytest.mark.parametrize(("criterion", "score", "why"), [
    ("on topic", 3, "off criterion 'on topic''s scale 0-1"),
    ("fluency", 0, "off criterion 'fluency''s scale 1-5"),
    ("", 4, "has no criterion ''"),
    ("style", 4, "has no criterion 'style'"),
])  # fmt: skip
def test_every_writer_refuses_a_score_off_its_criterions_scale(
    stories: tuple[Database, int], criterion: str, score: int, why: str
) -> None:
    db, _ = stories
    pair = int(pair_store.pairs_frame(db, "stories")["pair_id"].iloc[0])
    rating = rating_store.NewRating(pair, "ana", score, None, None, "t", criterion=criterion)
    with pytest.raises(RefusedError, match=why):
        rating_store.record_ratings(db, [rating], first_only=True)
    with pytest.raises(RefusedError, match=why):
        rating_store.add_ratings(db, [rating])
    assert rating_store.rating_count(db) == 0


def test_a_rating_gives_every_criterion_at_once_or_nothing(stories: tuple[Database, int]) -> None:
    db, key = stories
    pair = int(pair_store.pairs_frame(db, "stories")["pair_id"].iloc[0])
    common = {"pair_id": pair, "annotator": "ana", "note": "", "seconds": 2.0, "editing": False, "dataset": key}
    with pytest.raises(JudgeError, match="missing: on topic"):
        annotation.submit_rating(db, SETTINGS, scores={"fluency": 4}, token="a", **common)  # type: ignore[arg-type]
    with pytest.raises(JudgeError, match="on topic: .*outside the scale 0/1"):
        annotation.submit_rating(db, SETTINGS, scores={"fluency": 4, "on topic": 2}, token="b", **common)  # type: ignore[arg-type]
    assert rating_store.rating_count(db) == 0
    outcome = annotation.submit_rating(db, SETTINGS, scores={"fluency": 4, "on topic": 1}, token="c", **common)  # type: ignore[arg-type]
    again = annotation.submit_rating(db, SETTINGS, scores={"fluency": 4, "on topic": 1}, token="c", **common)  # type: ignore[arg-type]
    assert (outcome, again) == ("recorded", "duplicate")
    frame = rating_store.ratings_frame(db, "stories")
    assert sorted(zip(frame["criterion"], frame["score"], strict=True)) == [("fluency", 4), ("on topic", 1)]


def _sent(shown: object, scores: dict[str, int], note: str = "") -> dict[str, object]:
    """What the page's keys send once every criterion has a score: the showing, the pair, scores and note."""
    return {"token": shown.token, "pair": shown.pair.id, "scores": scores, "note": note}  # type: ignore[attr-defined]


def test_the_desk_saves_every_criterion_sent_together_for_the_pair_on_screen(stories: tuple[Database, int]) -> None:
    db, key = stories
    state: dict[str, object] = {}
    desk = Desk(db, SETTINGS, "ana", key, state)
    screen = desk.screen()
    assert screen.pair is not None and screen.criteria == ("fluency", "on topic") and screen.scores == {}
    pair, token = screen.pair.id, screen.token
    desk.rate(pair, key, token, _sent(screen, {"fluency": 3}))  # one criterion missing: nothing is stored
    assert rating_store.rating_count(db) == 0 and state["flash"][0] == "error"  # type: ignore[index]
    desk.rate(pair, key, token, {**_sent(screen, {"fluency": 3, "on topic": 1}), "pair": pair + 1})
    assert rating_store.rating_count(db) == 0  # a message for another pair than the one it was drawn for
    desk.rate(pair, key, token, _sent(screen, {"fluency": 3, "on topic": 1}, "off topic a bit"))
    following = desk.screen()
    assert following.flash == ("success", "Saved: fluency 3, on topic 1 for the last pair.")
    assert following.pair is not None and following.pair.id != pair
    frame = rating_store.ratings_frame(db, "stories")
    assert sorted(zip(frame["criterion"], frame["score"], frame["note"], strict=True)) == [
        ("fluency", 3, "off topic a bit"), ("on topic", 1, "off topic a bit")]
    # the same message again, or a late one for the pair just rated: not used, the confirmation stays
    desk.rate(pair, key, token, _sent(screen, {"fluency": 5, "on topic": 0}))
    assert rating_store.rating_count(db) == 2
    assert "A second key pressed right after it was not used" in desk.screen().flash[1]  # type: ignore[index]


def test_going_back_reopens_every_criterion_and_saving_keeps_the_history(stories: tuple[Database, int]) -> None:
    db, key = stories
    state: dict[str, object] = {}
    desk = Desk(db, SETTINGS, "ana", key, state)
    first = desk.screen()
    assert first.pair is not None
    desk.rate(first.pair.id, key, first.token, _sent(first, {"fluency": 4, "on topic": 0}, "kept"))
    desk.back(desk.screen().pair.id if desk.screen().pair else None)
    reopened = desk.screen()
    assert reopened.pair is not None and reopened.pair.id == first.pair.id and reopened.editing
    assert reopened.scores == {"fluency": 4, "on topic": 0} and state[reopened.note_key] == "kept"
    desk.rate(first.pair.id, key, reopened.token, _sent(reopened, {"fluency": 4, "on topic": 1}, "kept"))
    current = rating_store.ratings_frame(db, "stories")
    assert sorted(zip(current["criterion"], current["score"], strict=True)) == [("fluency", 4), ("on topic", 1)]
    assert len(rating_store.ratings_frame(db, "stories", current_only=False)) == 4  # the old ones kept


def test_a_pair_counts_its_raters_not_its_criteria(stories: tuple[Database, int]) -> None:
    db, key = stories
    settings = Settings.from_env({"JUDGE_OVERLAP": "0", "JUDGE_GOLD_EVERY": "0", "JUDGE_ANNOTATORS_PER_PAIR": "2"})
    pair = int(pair_store.pairs_frame(db, "stories")["pair_id"].iloc[0])
    annotation.submit_rating(db, settings, pair_id=pair, annotator="ana", scores={"fluency": 4, "on topic": 1},
                             note="", seconds=1.0, token="x", editing=False, dataset=key)  # fmt: skip
    progress = rating_store.progress(db, "ben", key, 2)
    assert (progress.ratings, progress.pairs_complete, progress.left_for_me) == (1, 0, 12)
    assert pair in rating_store.queue(db, "ben", key, 2, limit=12)


def test_figures_runs_and_sets_are_each_of_one_criterion(stories: tuple[Database, int], tmp_path: Path) -> None:
    db, _ = stories
    pairs = pair_store.pairs_frame(db, "stories")
    rows = []
    for i, external in enumerate(pairs["external_id"]):
        for who in ("ana", "ben"):
            rows.append({"external_id": external, "annotator": who, "criterion": "fluency", "score": 1 + i % 5})
            rows.append({"external_id": external, "annotator": who, "criterion": "on topic", "score": i % 2})
    assert import_ratings(db, csv_file(tmp_path / "r.csv", rows), "stories").added == 48
    judged = [{"external_id": e, "score": 1 + i % 5} for i, e in enumerate(pairs["external_id"])]
    with pytest.raises(JudgeError, match="say which criterion the judge scores"):
        import_judgments(db, csv_file(tmp_path / "j.csv", judged), "stories")
    run = import_judgments(db, tmp_path / "j.csv", "stories", criterion="fluency").run_id
    assert run is not None and run_scale(db, run).points == (1, 2, 3, 4, 5)
    found = report(db, run, resamples=50)
    assert found.n == 12 and found.figure("exact").value == 1.0  # against fluency, never the binary flag
    topic = [{"external_id": e, "score": i % 2} for i, e in enumerate(pairs["external_id"])]
    other = import_judgments(db, csv_file(tmp_path / "t.csv", topic), "stories", run="topic", criterion="on topic")
    assert report(db, int(other.run_id or 0), resamples=50).scale.binary
    with pytest.raises(JudgeError, match="scored fluency, not on topic"):
        import_judgments(db, tmp_path / "t.csv", "stories", run="j", criterion="on topic")
    people = people_summary(db, "stories", SETTINGS, "on topic")
    assert people.ceiling.categories == 2 and people.ceiling.exact == 1.0
    made = snapshot(db, "topic-set", "stories", criterion="on topic")
    assert made.criterion == "on topic" and set(made.pairs["consensus"]) == {0, 1}
    with pytest.raises(JudgeError, match="say which criterion"):
        snapshot(db, "any", "stories")


def test_ratings_of_several_criteria_never_make_one_consensus(stories: tuple[Database, int]) -> None:
    db, _ = stories
    frame = rating_store.ratings_frame(db, "stories").head(0)
    mixed = frame.reindex(range(2)).assign(pair_id=[1, 1], score=[4, 1], criterion=["fluency", "on topic"])
    with pytest.raises(ValueError, match="several criteria"):
        consensus(mixed)


def test_a_ratings_file_names_a_criterion_the_dataset_has(stories: tuple[Database, int], tmp_path: Path) -> None:
    db, _ = stories
    external = str(pair_store.pairs_frame(db, "stories")["external_id"].iloc[0])
    path = csv_file(tmp_path / "r.csv", [{"external_id": external, "annotator": "ana", "score": 4},
                                     {"external_id": external, "annotator": "ben", "score": 4, }])  # fmt: skip
    with pytest.raises(ImportRejected, match="row 1, field 'criterion': missing: dataset stories is rated on"):
        import_ratings(db, path, "stories")
    with pytest.raises(JudgeError, match="has no criterion 'style'; it is rated on the criteria 'fluency'"):
        import_ratings(db, path, "stories", "style")
    assert import_ratings(db, path, "stories", "fluency").added == 2


def test_a_study_table_with_several_score_columns_is_one_dataset_with_criteria(db: Database, tmp_path: Path) -> None:
    rows = [{"item": f"i{n // 3}", "text": f"t{n // 3}", "clear": str(n % 2), "true": str((n + 1) % 2)}
            for n in range(9)]  # fmt: skip
    path = csv_file(tmp_path / "study.csv", rows)
    made = import_rating_table(db, path, "study", TableMapping("text", "item", ("clear", "true")), parse_scale("binary"))
    assert made.pairs == 3 and criteria_of(db, "study") == ["clear", "true"]
    assert {c: r.added for c, r in made.criteria.items()} == {"clear": 9, "true": 9}
    with pytest.raises(JudgeError, match="is rated on clear, true, not one score"):
        import_rating_table(db, path, "study", TableMapping("text", "item", ("clear",)), parse_scale("binary"))
    with pytest.raises(JudgeError, match="criterion 'clear' of dataset 'study' is on the binary"):
        import_rating_table(db, path, "study", TableMapping("text", "item", ("clear", "true")), parse_scale("0-4"))


def test_criteria_are_refused_on_a_dataset_already_rated_with_one_score(db: Database) -> None:
    pair_store.add_pairs(db, "one", [text_pair("a")])
    pair = int(pair_store.pairs_frame(db, "one")["pair_id"].iloc[0])
    rating_store.record_rating(db, rating_store.NewRating(pair, "ana", 3, None, None, "t"), first_only=True)
    with pytest.raises(RefusedError, match="given as one whole score already"):
        declare_criteria(db, "one", {"fluency": parse_scale("1-5")})
    assert criteria_of(db, "one") == [""]


def test_the_command_line_makes_a_dataset_with_criteria_and_imports_each(tmp_path: Path) -> None:
    from tests.test_cli import judge

    db = str(tmp_path / "c.duckdb")
    pairs = tmp_path / "p.jsonl"
    pairs.write_text('{"external_id": "a", "kind": "text", "ground_truth": "x", "generated": "y"}\n')
    made = judge("import", "pairs", str(pairs), "--dataset", "st", "--criterion", "fluency=1-5",
                 "--criterion", "on topic=binary:no,yes", "--db", db)  # fmt: skip
    assert made.returncode == 0 and "rated on 2 criteria: fluency (5-point (1-5)), on topic" in made.stdout
    ratings = csv_file(tmp_path / "r.csv", [{"external_id": "a", "annotator": "ana", "criterion": "on topic", "score": "yes"},
                                        {"external_id": "a", "annotator": "ana", "criterion": "fluency", "score": 9}])  # fmt: skip
    refused = judge("import", "ratings", str(ratings), "--dataset", "st", "--db", db)
    assert refused.returncode == 2 and "row 2, field 'score': the score 9 is outside the scale 1-5" in refused.stderr
    assert "Traceback" not in refused.stderr
    judged = csv_file(tmp_path / "j.csv", [{"external_id": "a", "score": 4}])
    unnamed = judge("import", "judgments", str(judged), "--dataset", "st", "--db", db)
    assert unnamed.returncode == 2 and "say which criterion the judge scores (--criterion NAME)" in unnamed.stderr
    assert judge("import", "judgments", str(judged), "--dataset", "st", "--criterion", "fluency", "--db", db).returncode == 0
    other = judge("import", "pairs", str(pairs), "--dataset", "st", "--criterion", "x=1-3", "--db", db)
    assert other.returncode == 2 and "criteria are given when a dataset is made" in other.stderr


def test_gold_scores_and_examples_are_of_the_criterion_their_run_scored(stories: tuple[Database, int]) -> None:
    from judge.data import import_judgments as judgments
    from storage import adjudications as adjudication_store
    from storage import labels

    db, key = stories
    pairs = list(pair_store.pairs_frame(db, "stories")["pair_id"].astype(int))
    frame = pair_store.pairs_frame(db, "stories")
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        file = csv_file(Path(folder) / "t.csv", [{"external_id": e, "score": 1} for e in frame["external_id"]])
        run = judgments(db, file, "stories", criterion="on topic").run_id
    assert run is not None
    for pair in pairs[:4]:
        adjudication_store.add_adjudication(db, run, pair, "humans_right", None, "lee", score=1)
    assert len(labels.gold_scores(db, key, "on topic")) == 4
    assert labels.gold_scores(db, key, "fluency").empty  # a binary verdict is no gold for a 1-5 criterion
    assert adjudication_store.latest_verdicts(db, pairs, "fluency").empty
    for pair in pairs[:4]:
        annotation.submit_rating(db, SETTINGS, pair_id=pair, annotator="ana", scores={"fluency": 5, "on topic": 1},
                                 note="", seconds=9.0, token=f"g{pair}", editing=False, dataset=key)  # fmt: skip
    quality = {q.annotator: q for q in people_summary(db, "stories", SETTINGS, "fluency").quality}
    assert quality["ana"].gold == 0


def test_two_tabs_giving_one_pair_different_scores_keep_the_first_and_say_so(stories: tuple[Database, int]) -> None:
    db, key = stories
    first, second = Desk(db, SETTINGS, "ana", key, {}), Desk(db, SETTINGS, "ana", key, {})
    one, two = first.screen(), second.screen()
    assert one.pair is not None and two.pair is not None and one.pair.id == two.pair.id
    pair = one.pair.id
    for desk, shown, fluency in ((first, one, 2), (second, two, 5)):  # the same on topic in both
        desk.rate(pair, key, shown.token, _sent(shown, {"fluency": fluency, "on topic": 1}))
    assert second.state["flash"][0] == "warning" and "rated this pair already" in second.state["flash"][1]
    current = rating_store.ratings_frame(db, "stories")
    assert sorted(zip(current["criterion"], current["score"], strict=True)) == [("fluency", 2), ("on topic", 1)]


def test_a_study_table_cannot_add_a_criterion_to_a_dataset_or_names_with_control_characters(
    db: Database, tmp_path: Path
) -> None:
    rows = [{"item": "a", "text": "x", "clear": "1", "true": "0", "deep": "1", "tr\nue": "1"}]
    path = csv_file(tmp_path / "s.csv", rows)
    import_rating_table(db, path, "study", TableMapping("text", "item", ("clear", "true")), parse_scale("binary"))
    with pytest.raises(JudgeError, match="is rated on clear, true, not clear, deep"):
        import_rating_table(db, path, "study", TableMapping("text", "item", ("clear", "deep")), parse_scale("binary"))
    with pytest.raises(JudgeError, match="no control characters"):
        import_rating_table(db, path, "new", TableMapping("text", "item", ("clear", "tr\nue")), parse_scale("binary"))
    assert criteria_of(db, "study") == ["clear", "true"] and pair_store.dataset_id(db, "new") is None
    with pytest.raises(RefusedError, match="a criterion more"):
        declare_criteria(db, "study", {"deep": parse_scale("binary")})


def test_a_file_naming_another_criterion_than_said_is_refused(stories: tuple[Database, int], tmp_path: Path) -> None:
    db, _ = stories
    external = str(pair_store.pairs_frame(db, "stories")["external_id"].iloc[0])
    rows = csv_file(tmp_path / "r.csv", [{"external_id": external, "annotator": "ana", "criterion": "on topic", "score": 1}])
    with pytest.raises(ImportRejected, match="'on topic', but the ratings were imported as 'fluency'"):
        import_ratings(db, rows, "stories", "fluency")
    with pytest.raises(JudgeError, match="has no criterion 'nope'; it is rated on the criteria 'fluency', 'on topic'"):
        import_ratings(db, rows, "stories", "nope")
    judged = csv_file(tmp_path / "j.csv", [{"external_id": external, "criterion": "on topic", "score": 1}])
    with pytest.raises(ImportRejected, match="'on topic', but the run scores fluency"):
        import_judgments(db, judged, "stories", criterion="fluency")


def test_a_criterion_can_be_given_its_own_rubric_and_the_offline_judge_scores_by_it(db: Database, tmp_path: Path) -> None:
    from judge.dataset_rubric import set_rubric
    from judge.demo.store import store_demo
    from judge.execution.run import run_execution
    from judge.rubric import DEFAULT_RUBRIC_PATH

    store_demo(db, count=6)
    declare_criteria(db, "demo", {"logic": parse_scale("1-5"), "naming": parse_scale("1-5")})
    with pytest.raises(JudgeError, match="says none"):
        run_execution(db, "demo", criterion="logic")
    assert "criterion logic, is now rated and judged by" in set_rubric(db, "demo", DEFAULT_RUBRIC_PATH,
                                                                      criterion="logic")  # fmt: skip
    run = run_execution(db, "demo", criterion="logic")
    assert run_scale(db, run).points == (1, 2, 3, 4, 5)
    from judge.dataset_rubric import run_criterion

    assert run_criterion(db, run) == "logic"
