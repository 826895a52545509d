"""Ranking quality on the labelled dev set: a sensible recall@5 floor, and better than a plain
word-overlap baseline. Nothing here is hard-coded: both rankings are computed."""
from matching.evaluate import evaluate


def test_dev_set_recall_floor_and_beats_word_overlap(dev_data):
    res = evaluate(dev_data)
    ours, base = res["matcher"], res["word_overlap"]
    assert ours["recall@5"] >= 0.8
    assert ours["mrr"] >= 0.6
    assert ours["recall@5"] > base["recall@5"]
    assert ours["mrr"] > base["mrr"]
