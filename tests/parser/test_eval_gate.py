"""The quality gate: today's field accuracy must not drop below the recorded floors."""

from __future__ import annotations

import json

import eval_gate


def test_no_field_below_its_floor(capsys):
    code = eval_gate.main([])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "stats.cells" in out and "gate passed" in out


def test_every_field_has_a_floor():
    acc = eval_gate.accuracy(eval_gate.evaluate())
    assert set(acc) <= set(eval_gate.load_floors())


def test_update_raises_floors_but_never_lowers(tmp_path):
    path = tmp_path / "baseline.json"
    assert eval_gate.update_baseline({"year": 0.9}, {"year": 0.5, "gone": 0.0}, path)
    assert json.loads(path.read_text())["floors"] == {"year": 0.9, "gone": 0.0}
    assert not eval_gate.update_baseline({"year": 0.8}, {"year": 0.9}, path)
    assert json.loads(path.read_text())["floors"]["year"] == 0.9


def test_a_missing_field_counts_as_zero():
    assert eval_gate.below_floor({}, {"title": 1.0}) == {"title": (0.0, 1.0)}
