"""Scales in headless Chromium: rating a binary and a 3-point dataset with the keys, and the HANNA user study
imported through the Import page as binary ratings, its published AC1 read off the Agreement page."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from judge.data.importer import import_pairs
from judge.scale import parse_scale
from storage import Database
from storage import ratings as rating_store
from tests.browser.conftest import AppServer, screenshot
from tests.browser.test_annotate_browser import _idle, _rated

pytestmark = pytest.mark.browser
HANNA = Path(__file__).resolve().parents[3] / "shared" / "data" / "hanna" / "user_study.csv"
PUBLISHED = {"Answer.a-1-guidelines.1": "0.90", "Answer.a-2-syntax.1": "0.97", "Answer.a-3-superfluous.1": "0.66",
             "Answer.a-5-unsubstantiated.1": "0.60", "Answer.a-6-incoherence.1": "0.81"}  # fmt: skip


@pytest.fixture
def scaled_server(tmp_path: Path) -> Iterator[AppServer]:
    path = tmp_path / "scales.duckdb"
    db = Database(path)
    for dataset, spec, kind in (("sql", "binary:wrong,right", "sql"), ("dialogue", "1-3:dull,fine,engaging", "text")):
        file = tmp_path / f"{dataset}.jsonl"
        file.write_text("".join(json.dumps({"external_id": f"{dataset}{i}", "kind": kind, "request": f"question {i}",
                                            "ground_truth": f"SELECT {i}", "generated": f"SELECT {i + i % 2}"}) + "\n"
                                for i in range(6)))  # fmt: skip
        import_pairs(db, file, dataset, parse_scale(spec))
    db.close()
    server = AppServer(path)
    server.start()
    yield server
    server.stop()


def _sign_in(page: object, server: AppServer, dataset: str, name: str) -> None:
    page.goto(f"{server.url}/?dataset={urllib.parse.quote(dataset)}")  # type: ignore[attr-defined]
    page.wait_for_selector("text=Who is rating?", timeout=60_000)  # type: ignore[attr-defined]
    page.get_by_label("Your name").fill(name)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Start rating").click()  # type: ignore[attr-defined]
    page.wait_for_selector(".pair-text", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)


def test_a_binary_and_a_three_point_dataset_are_rated_with_their_own_keys(
    browser: object, scaled_server: AppServer
) -> None:
    for width, height in ((1440, 900), (1280, 720)):
        page = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
        _sign_in(page, scaled_server, "sql", f"ana{width}")
        assert page.get_by_role("button", name="0 · wrong").count() == 1  # type: ignore[attr-defined]
        assert page.get_by_role("button", name="1 · right").count() == 1  # type: ignore[attr-defined]
        assert page.get_by_text("Press 0 or 1 to save a score").count() == 1  # type: ignore[attr-defined]
        screenshot(page, f"annotate-binary-{width}")
        for count, key in enumerate(("1", "0"), start=1):
            page.keyboard.press(key)  # type: ignore[attr-defined]
            _rated(page, count)
        page.keyboard.press("3")  # type: ignore[attr-defined]  # not a key of this scale: nothing is rated
        page.wait_for_timeout(1500)  # type: ignore[attr-defined]
        assert page.get_by_text("You: 2 rated").count() == 1  # type: ignore[attr-defined]
        _sign_in(page, scaled_server, "dialogue", f"bo{width}")
        assert page.get_by_role("button", name="3 · engaging").count() == 1  # type: ignore[attr-defined]
        screenshot(page, f"annotate-three-point-{width}")
        page.keyboard.press("3")  # type: ignore[attr-defined]
        _rated(page, 1)
        page.close()  # type: ignore[attr-defined]
    scaled_server.stop()
    ratings = rating_store.ratings_frame(Database(scaled_server.db_path), current_only=False)
    by = ratings.groupby("dataset")["score"].agg(list).to_dict()
    assert by == {"sql": [1, 0, 1, 0], "dialogue": [3, 3]}


def _choose(page: object, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label, exact=True).click()  # type: ignore[attr-defined]
    page.keyboard.type(option)  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    _idle(page)


def _pick(page: object, label: str, option: str) -> None:
    """Choose the option named exactly ``option`` (typing filters loosely: 'Human 1 CH' also finds 'Human Avg 1 CH')."""
    page.get_by_role("combobox", name=label, exact=True).click()  # type: ignore[attr-defined]
    page.keyboard.type(option)  # type: ignore[attr-defined]
    page.get_by_role("option", name=option, exact=True).click()  # type: ignore[attr-defined]
    _idle(page)


def test_the_dataset_picked_in_the_sidebar_stays_from_page_to_page(browser: object, scaled_server: AppServer) -> None:
    """Picked on Agreement, it is the dataset of Judge, Annotate and Agreement again after the sidebar's links
    (Streamlit draws each page's widgets afresh; a run must not start on the first dataset instead)."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})  # type: ignore[attr-defined]
    page.goto(f"{scaled_server.url}/agreement")  # type: ignore[attr-defined]
    page.wait_for_selector("text=Figures are for dataset", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    first = page.get_by_text("Figures are for dataset").inner_text()  # type: ignore[attr-defined]
    other = "dialogue" if "sql" in first else "sql"
    _pick(page, "Dataset", other)
    page.wait_for_selector(f"text=Figures are for dataset {other}", timeout=30_000)  # type: ignore[attr-defined]
    for link, line in (("Judge", "Runs start on dataset"), ("Agreement", "Figures are for dataset")):
        page.get_by_role("link", name=link, exact=True).click()  # type: ignore[attr-defined]
        page.wait_for_selector(f"text={line}", timeout=60_000)  # type: ignore[attr-defined]
        _idle(page)
        assert page.get_by_text(line).inner_text().endswith(f"{other} (pick another in the sidebar).")  # type: ignore[attr-defined]
        assert f"dataset={other}" in page.url  # type: ignore[attr-defined]


def test_the_hanna_user_study_imported_on_the_import_page_shows_its_published_ac1(
    browser: object, app_server: AppServer
) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 1200})  # type: ignore[attr-defined]
    page.goto(f"{app_server.url}/data")  # type: ignore[attr-defined]
    page.wait_for_selector("text=Into dataset", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    page.get_by_text("Pairs with their ratings", exact=True).click()  # type: ignore[attr-defined]
    _idle(page)
    page.get_by_label("Into dataset").fill("hanna-study")  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    _idle(page)
    _choose(page, "Rated on", "Binary")
    page.get_by_label("Labels, lowest first (optional)").fill("no, yes")  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    _idle(page)
    page.set_input_files("input[type=file]", files=[str(HANNA)])  # type: ignore[attr-defined]
    page.wait_for_selector("text=Which column is which", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    _choose(page, "The text rated", "Input.explanation")
    _choose(page, "What it answers", "Input.story_id")
    for column in PUBLISHED:
        _choose(page, "Score columns (several: each is a criterion of the dataset, rated on one screen)", column)
    page.get_by_text("Which column is which").click()  # type: ignore[attr-defined]  # closes the open list
    _idle(page)
    page.wait_for_selector("button:has-text('Import'):not([disabled])", timeout=30_000)  # type: ignore[attr-defined]
    screenshot(page, "import-hanna-study")
    page.get_by_role("button", name="Import", exact=True).click()  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid=stAlert]", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    message = page.locator("[data-testid=stAlert]").last.inner_text()  # type: ignore[attr-defined]
    assert "user_study.csv: dataset hanna-study: 100 pairs added" in message, message
    for column, published in PUBLISHED.items():  # the criterion is kept in the address, as the dataset is
        page.goto(f"{app_server.url}/agreement?dataset=hanna-study&criterion={urllib.parse.quote(column)}")  # type: ignore[attr-defined]
        page.wait_for_selector("text=People among themselves", timeout=60_000)  # type: ignore[attr-defined]
        _idle(page)
        metric = page.locator("[data-testid=stMetric]", has_text="Gwet's AC1")  # type: ignore[attr-defined]
        assert metric.locator("[data-testid=stMetricValue]").inner_text() == published, column
        if column.endswith("guidelines.1"):
            screenshot(page, "agreement-hanna-guidelines")
    app_server.stop()
    db = Database(app_server.db_path)
    assert len(rating_store.ratings_frame(db, "hanna-study", criterion=next(iter(PUBLISHED)))) == 300


SCORES = HANNA.parent / "hanna_metric_scores_llm.csv"


def test_hannas_scores_file_imported_on_the_import_page_gives_people_and_judges(
    browser: object, app_server: AppServer
) -> None:
    """HANNA's scores file as it is (each cell a JSON list of a generator's 96 stories): the three people's
    coherence ratings, then the judges' coherence scores one run per column, chosen on the page as a person
    would; a judge off the scale is refused by name and place, the others are imported and compared."""
    page = browser.new_page(viewport={"width": 1440, "height": 1200})  # type: ignore[attr-defined]
    page.goto(f"{app_server.url}/data")  # type: ignore[attr-defined]
    page.wait_for_selector("text=Into dataset", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    page.get_by_text("Pairs with their ratings", exact=True).click()  # type: ignore[attr-defined]
    _idle(page)
    page.get_by_label("Into dataset").fill("hanna-coherence")  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    _idle(page)
    page.get_by_text("Cells hold lists, one value per item").click()  # type: ignore[attr-defined]
    _idle(page)
    page.set_input_files("input[type=file]", files=[str(SCORES)])  # type: ignore[attr-defined]
    page.wait_for_selector("text=Which column is which", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    _pick(page, "The text rated", "Model")
    _pick(page, "What it answers", "place")
    _pick(page, "Item id (optional)", "item")
    page.get_by_text("Each score column is one rater (of one score), not a criterion").click()  # type: ignore[attr-defined]
    _idle(page)
    for column in ("Human 1 CH", "Human 2 CH", "Human 3 CH"):
        _pick(page, "Score columns, one per rater", column)
    page.get_by_text("Which column is which").click()  # type: ignore[attr-defined]  # closes the open list
    _idle(page)
    screenshot(page, "import-hanna-scores-people")
    page.get_by_role("button", name="Import", exact=True).click()  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid=stAlert]", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    message = page.locator("[data-testid=stAlert]").last.inner_text()  # type: ignore[attr-defined]
    assert "dataset hanna-coherence: 1056 pairs added; ratings: 3168 added" in message, message

    page.get_by_text("Judge scores", exact=True).click()  # type: ignore[attr-defined]
    _idle(page)
    _choose(page, "Into dataset", "hanna-coherence")
    lists = page.get_by_role("checkbox", name="Cells hold lists, one value per item", exact=False)  # type: ignore[attr-defined]
    assert lists.is_checked()  # still ticked from the ratings: the same file
    page.get_by_text("One column per judge (each column becomes a run named after it)").click()  # type: ignore[attr-defined]
    _idle(page)
    page.wait_for_selector("text=The judge columns", timeout=60_000)  # type: ignore[attr-defined]
    for judge in ("ChatGPT CH 1", "Mistral-7B CH 1"):
        _pick(page, "The judge columns", judge)
    page.get_by_text("The file has no column").click()  # type: ignore[attr-defined]  # closes the open list
    _idle(page)
    _pick(page, "external_id", "item")
    page.get_by_role("button", name="Import", exact=True).click()  # type: ignore[attr-defined]
    page.wait_for_selector("text=nothing imported", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    refusal = page.locator("[data-testid=stAlert]").last.inner_text()  # type: ignore[attr-defined]
    assert "'Mistral-7B CH 1 (place" in refusal and "outside the scale" in refusal, refusal
    screenshot(page, "import-hanna-scores-judge-refused")
    page.locator("[data-testid=stMultiSelect]", has_text="The judge columns").get_by_role(  # type: ignore[attr-defined]
        "button", name="Remove Mistral-7B CH 1").click()
    _idle(page)
    page.get_by_role("button", name="Import", exact=True).click()  # type: ignore[attr-defined]
    page.wait_for_selector("text=in a new run", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    message = page.locator("[data-testid=stAlert]").last.inner_text()  # type: ignore[attr-defined]
    assert "1056 added" in message and "ChatGPT CH 1" in message, message
    page.goto(f"{app_server.url}/agreement?dataset=hanna-coherence")  # type: ignore[attr-defined]
    page.wait_for_selector("text=The judge against people", timeout=60_000)  # type: ignore[attr-defined]
    _idle(page)
    screenshot(page, "agreement-hanna-scores-chatgpt")
    assert page.get_by_text("of 1056 judge scores within one point of people's").count()  # type: ignore[attr-defined]
    app_server.stop()
    db = Database(app_server.db_path)
    assert len(rating_store.ratings_frame(db, "hanna-coherence")) == 3168
    names = [n for (n,) in db.cursor().execute("SELECT name FROM judge_runs").fetchall()]
    assert names == ["ChatGPT CH 1"]


@pytest.fixture
def criteria_server(tmp_path: Path) -> Iterator[AppServer]:
    from judge.dataset_rubric import declare_criteria

    path = tmp_path / "criteria.duckdb"
    db = Database(path)
    file = tmp_path / "stories.jsonl"
    file.write_text("".join(json.dumps({"external_id": f"story{i}", "kind": "text", "request": f"prompt {i}",
                                        "ground_truth": f"Write a story about lighthouse {i}.",
                                        "generated": f"Once upon a time, lighthouse {i} kept a secret."}) + "\n"
                            for i in range(6)))  # fmt: skip
    import_pairs(db, file, "stories")
    declare_criteria(db, "stories", {"fluency": parse_scale("1-5:awful,poor,fair,good,fluent"),
                                     "on topic": parse_scale("binary:no,yes")})  # fmt: skip
    db.close()
    server = AppServer(path)
    server.start()
    yield server
    server.stop()


def _criteria_stored(server: AppServer) -> list[tuple[str, str, int, str, int]]:
    ratings = rating_store.ratings_frame(Database(server.db_path), current_only=False)
    return sorted(zip(ratings["annotator"], ratings["external_id"], ratings["pair_id"], ratings["criterion"],
                      ratings["score"], strict=True))  # fmt: skip


def test_a_two_criterion_dataset_is_rated_criterion_by_criterion_with_the_keys(
    browser: object, criteria_server: AppServer
) -> None:
    for width, height in ((1440, 900), (1280, 720)):
        page = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
        _sign_in(page, criteria_server, "stories", f"ana{width}")
        page.wait_for_selector("text=keys 1-5 rate this", timeout=30_000)  # type: ignore[attr-defined]
        assert page.get_by_role("button", name="0 · no").count() == 1  # type: ignore[attr-defined]
        assert page.get_by_role("button", name="4 · good").count() == 1  # type: ignore[attr-defined]
        screenshot(page, f"annotate-two-criteria-{width}")
        page.wait_for_timeout(400)  # type: ignore[attr-defined]  # a person looks before pressing a key
        page.keyboard.press("4")  # type: ignore[attr-defined]  # fluency: the marks move on in the page at once
        page.wait_for_selector("text=keys 0 or 1 rate this", timeout=5_000)  # type: ignore[attr-defined]
        assert page.get_by_text("You: 0 rated").count() == 1  # type: ignore[attr-defined]  # nothing saved yet
        screenshot(page, f"annotate-two-criteria-second-{width}")
        page.keyboard.press("7")  # type: ignore[attr-defined]  # not a point of the binary scale: nothing
        page.wait_for_selector("text=Key 7 is not a score of on topic", timeout=5_000)  # type: ignore[attr-defined]
        page.keyboard.press("1")  # type: ignore[attr-defined]  # on topic: saves both
        _rated(page, 1)
        assert page.get_by_text("Saved: fluency 4, on topic 1").count() == 1  # type: ignore[attr-defined]
        page.wait_for_timeout(400)  # type: ignore[attr-defined]  # a person's reaction to the new pair
        page.keyboard.press("2")  # type: ignore[attr-defined]
        page.keyboard.press("0")  # type: ignore[attr-defined]
        _rated(page, 2)
        page.close()  # type: ignore[attr-defined]
    criteria_server.stop()
    stored = _criteria_stored(criteria_server)
    assert sorted((c, s) for *_, c, s in stored) == sorted([("fluency", 4), ("on topic", 1), ("fluency", 2),
                                                            ("on topic", 0)] * 2)  # fmt: skip


def test_keys_typed_faster_than_the_screen_never_rate_a_criterion_or_pair_they_were_not_meant_for(
    browser: object, criteria_server: AppServer
) -> None:
    """Three pairs typed in one go at typing speed, 3 1 | 5 0 | 2 1: whatever is stored is a whole rating of a
    pair with the keys meant for it; keys that came before the next pair could be seen are not used."""
    meant = [(3, 1), (5, 0), (2, 1)]
    first_pairs = {}
    for gap in (40, 120, 300):
        who = f"fast{gap}"
        page = browser.new_page(viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
        _sign_in(page, criteria_server, "stories", who)
        page.wait_for_selector("text=keys 1-5 rate this", timeout=30_000)  # type: ignore[attr-defined]
        first_pairs[who] = page.locator("text=/Pair story\\d+/").first.inner_text().removeprefix("Pair ")  # type: ignore[attr-defined]
        page.wait_for_timeout(400)  # type: ignore[attr-defined]  # a person looks at the first pair, then types on
        for fluency, topic in meant:
            for key in (fluency, topic):
                page.keyboard.press(str(key))  # type: ignore[attr-defined]
                page.wait_for_timeout(gap)  # type: ignore[attr-defined]
        page.wait_for_timeout(2500)  # type: ignore[attr-defined]
        _idle(page)
        if gap == 40:
            screenshot(page, "annotate-two-criteria-typed-fast")
            assert page.get_by_text("pressed before this pair appeared").count() == 1  # type: ignore[attr-defined]
        page.close()  # type: ignore[attr-defined]
    criteria_server.stop()
    stored = _criteria_stored(criteria_server)
    for who, first in first_pairs.items():
        by_pair: dict[str, dict[str, int]] = {}
        for person, pair, _, criterion, score in stored:
            if person == who:
                by_pair.setdefault(pair, {})[criterion] = score
        assert by_pair.get(first) == {"fluency": 3, "on topic": 1}, (who, by_pair)
        for pair, scores in by_pair.items():  # each rating stored is one of the intended ratings, whole
            assert (scores["fluency"], scores["on topic"]) in meant, (who, pair, scores)
