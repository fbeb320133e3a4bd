"""The demo reuses what it made before, and drops what was trained on records it remade."""

import json
import os

import pytest

import albert_tf.demo as demo
from albert_tf.data.documents import file_digest
from conftest import data_path


class Stop(Exception):
    """Raised by the stand-in pretraining: these tests end before any training."""


def _old_demo(tmp_path, text_format):
    """A demo folder as an earlier run left it: vocabulary, records, three finished stages."""
    out = tmp_path / "saved_models" / "demo"
    (out / "vocab").mkdir(parents=True)
    vocab = out / "vocab" / "en.model"
    vocab.write_bytes(b"a stand-in vocabulary")
    records = tmp_path / "tfrecords" / "demo"
    records.mkdir(parents=True)
    (records / "pretrain.metadata.json").write_text(json.dumps({
        "vocab_sha256": file_digest(str(vocab)),
        "settings": {"max_seq_length": demo.DemoPlan().pretrain_seq, "text_format": text_format}}))
    for stage in ("pretrained", "sst2", "export"):
        (out / stage).mkdir()
        (out / stage / "made_before").write_text(stage)
    return out, records


@pytest.fixture
def stand_ins(tmp_path, monkeypatch):
    """Records and pretraining replaced by stand-ins that note their calls."""
    import albert_tf.data.pretraining as data_module
    import albert_tf.tasks.pretraining as pretrain_module

    calls = []
    monkeypatch.setattr(demo, "REPO_ROOT", str(tmp_path))

    def create(settings, log=None):
        calls.append(("records", settings.text_format))
        os.makedirs(settings.output_dir)
        with open(os.path.join(settings.output_dir, "pretrain.metadata.json"), "w") as f:
            json.dump({"vocab_sha256": file_digest(settings.vocab),
                       "settings": {"max_seq_length": settings.max_seq_length,
                                    "text_format": settings.text_format}}, f)

    def pretrain(settings, print_fn=None):
        calls.append(("pretrain", settings.model_dir))
        raise Stop

    monkeypatch.setattr(data_module, "create_pretraining_data", create)
    monkeypatch.setattr(pretrain_module, "pretrain", pretrain)
    return calls


def test_records_in_another_format_are_remade_and_old_models_removed(tmp_path, stand_ins):
    out, records = _old_demo(tmp_path, text_format="lines")
    with pytest.raises(Stop):
        demo.run_demo(data_dir=data_path(), out=str(out), log=lambda line: None,
                      pretrain_here=True)
    assert stand_ins[0] == ("records", demo.TEXT_FORMAT)
    assert json.load(open(records / "pretrain.metadata.json"))["settings"]["text_format"] == "prose"
    # Nothing trained on the old records survives, so no later stage reuses it.
    for stage in ("pretrained", "sst2", "export"):
        assert not (out / stage / "made_before").exists(), stage
    assert stand_ins[1] == ("pretrain", str(out / "pretrained"))


def test_matching_records_are_reused_with_what_was_built_on_them(tmp_path, stand_ins):
    out, records = _old_demo(tmp_path, text_format=demo.TEXT_FORMAT)
    with pytest.raises(Stop):
        demo.run_demo(data_dir=data_path(), out=str(out), log=lambda line: None,
                      pretrain_here=True)
    assert [call[0] for call in stand_ins] == ["pretrain"]  # no new records
    for stage in ("sst2", "export"):
        assert (out / stage / "made_before").read_text() == stage


def test_the_default_start_fine_tunes_the_starter_and_forgets_the_other_starts_models(
        tmp_path, stand_ins, monkeypatch):
    import albert_tf.tasks.finetuning as finetuning
    from conftest import REPO

    out, _ = _old_demo(tmp_path, text_format=demo.TEXT_FORMAT)  # made by --pretrain-here
    starter = os.path.join(REPO, "saved_models", "albert_starter_en")
    monkeypatch.setattr(demo, "starter_dir", lambda: starter)

    def finetune(settings, options, print_fn=None):
        stand_ins.append(("finetune", settings.init_checkpoint, settings.vocab))
        raise Stop

    monkeypatch.setattr(finetuning, "finetune", finetune)
    lines = []
    with pytest.raises(Stop):
        demo.run_demo(data_dir=data_path(), out=str(out), log=lines.append)
    assert stand_ins == [("finetune", starter, None)]  # no records, no pretraining
    assert any("accuracy at [MASK] on held-out WikiText" in line for line in lines)
    # The SST-2 model and export of the other start are not reused.
    for stage in ("sst2", "export"):
        assert not (out / stage / "made_before").exists(), stage


def test_a_missing_starter_is_one_line(tmp_path, stand_ins, monkeypatch):
    from albert_tf.errors import AlbertTfError

    monkeypatch.setattr(demo, "starter_dir", lambda: str(tmp_path / "nowhere"))
    with pytest.raises(AlbertTfError, match="run the demo with --pretrain-here"):
        demo.run_demo(data_dir=data_path(), out=str(tmp_path / "demo"), log=lambda line: None)


def test_an_export_without_the_on_device_layout_is_made_again(tmp_path):
    """An export of an older release (TFLite files without MediaPipe metadata) is not
    reused by the demo; one whose report names the on-device layout is."""
    from albert_tf.demo import _export_current

    assert not _export_current(str(tmp_path))
    (tmp_path / "export_report.json").write_text(json.dumps({"task": "classification"}))
    assert not _export_current(str(tmp_path))
    (tmp_path / "export_report.json").write_text(json.dumps({
        "task": "classification", "on_device": {"inputs": ["ids", "mask", "segment_ids"],
                                                "length": 64}}))
    assert _export_current(str(tmp_path))
