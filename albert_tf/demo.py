"""``albert-tf demo``: the whole way, on the bundled data, in minutes on 2 CPU cores.

By default the demo starts from the committed English starter model
(``saved_models/albert_starter_en``, pretrained here by ``bench/pretrain_starter.py``),
which gives a better SST-2 model in fewer minutes than the short pretraining a demo can
afford (docs/RESULTS.md). ``pretrain_here`` (``--pretrain-here``) runs that short
pretraining instead. Stages (each skipped when its outputs are complete, unless ``fresh``):

1. starter: check the starter model and show its held-out masked-LM score; or, with
   ``pretrain_here``: vocabulary (an 8000-piece SentencePiece model trained on
   ``pretrain_en/``), data (masked-LM + sentence-order TFRecords in ``tfrecords/demo/``)
   and pretrain (``configs/albert_demo.json`` with LAMB);
2. finetune: SST-2 sentiment, evaluated on its dev set;
3. export: SavedModel + TFLite float32 and dynamic_int8 in ``saved_models/demo/``;
4. check: a few sentences through the Keras model, the SavedModel (raw text in) and
   the int8 TFLite file and MediaPipe's TextClassifier, side by side; pictures; a summary table.
"""

from __future__ import annotations

import dataclasses
import glob
import json
import os
import shutil
import time

from albert_tf.errors import AlbertTfError
from albert_tf.resources import REPO_ROOT, configs_dir

TEXT_FORMAT = "prose"  # the books are hard-wrapped paragraphs (see --text-format)


@dataclasses.dataclass
class DemoPlan:
    """Sizes of each stage (``quick`` shrinks them to about two minutes in all)."""

    vocab_size: int = 8000
    dupe_factor: int = 2
    pretrain_steps: int = 600
    pretrain_batch: int = 16
    pretrain_seq: int = 128
    pretrain_lr: float = 5e-3
    finetune_examples: int = 20000
    finetune_epochs: float = 1.0
    finetune_batch: int = 32
    finetune_seq: int = 64
    finetune_lr: float = 3e-4
    export_examples: int = 200

    @classmethod
    def quick(cls):
        return cls(vocab_size=4000, dupe_factor=1, pretrain_steps=60, pretrain_seq=64,
                   finetune_examples=1500, export_examples=100)

    @classmethod
    def from_starter(cls, quick=False):
        """Fine-tuning the starter with its RESULTS recipe (AdamW 1e-3): one epoch of all
        67,349 SST-2 sentences, in the minutes the old demo spent pretraining and tuning
        on 20,000."""
        if quick:
            return cls(finetune_examples=2000, finetune_epochs=1.0, finetune_lr=1e-3,
                       export_examples=100)
        return cls(finetune_examples=0, finetune_epochs=1.0, finetune_lr=1e-3)


def _need(data_dir, pretrain_here):
    needed = [os.path.join("sst2", "train.tsv"), os.path.join("sst2", "dev.tsv")]
    if pretrain_here:
        needed.insert(0, os.path.join("pretrain_en", "*.txt"))
    for pattern in needed:
        if not glob.glob(os.path.join(data_dir, pattern)):
            raise AlbertTfError(
                f"{data_dir} lacks {pattern}: put the shared data folder there "
                "(pretrain_en/*.txt and sst2/{train,dev}.tsv) or pass --data-dir DIR")


def starter_dir() -> str:
    return os.path.join(REPO_ROOT, "saved_models", "albert_starter_en")


class Stages:
    def __init__(self, data_dir, quick, fresh, out, log, pretrain_here=False):
        self.data_dir, self.quick, self.fresh, self.log = data_dir, quick, fresh, log
        self.pretrain_here = pretrain_here
        if pretrain_here:
            self.plan = DemoPlan.quick() if quick else DemoPlan()
        else:
            self.plan = DemoPlan.from_starter(quick)
        self.records = os.path.join(REPO_ROOT, "tfrecords", "demo_quick" if quick else "demo")
        self.out = out
        self.pretrained = os.path.join(out, "pretrained") if pretrain_here else starter_dir()
        self.sst2 = os.path.join(out, "sst2")
        self.export_dir = os.path.join(out, "export")
        self.vocab = os.path.join(out, "vocab", "en")
        self.timings = {}

    def run(self, name, done, work):
        start = time.perf_counter()
        if done() and not self.fresh:
            self.log(f"[{name}] done before, reusing it")
        else:
            self.log(f"[{name}] ...")
            work()
        self.timings[name] = time.perf_counter() - start
        self.log(f"[{name}] {self.timings[name]:.0f}s")


def prepare(data_dir=None, quick=False, fresh=False, out=None, log=print,
            pretrain_here=False) -> Stages:
    """Checks the data and sets up the output folder; returns the stages' shared state.

    Args:
        data_dir: the shared data folder (default: ``../shared/data`` beside the repository).
        quick: a run of about two minutes (smaller sizes everywhere).
        fresh: redo every stage.
        out: where the models go (default: ``saved_models/demo``).
        log: progress printer.
        pretrain_here: pretrain a small model here instead of starting from the starter.
    """
    data_dir = data_dir or os.path.join(os.path.dirname(REPO_ROOT), "shared", "data")
    _need(data_dir, pretrain_here)
    out = out or os.path.join(REPO_ROOT, "saved_models", "demo" + ("_quick" if quick else ""))
    s = Stages(data_dir, quick, fresh, out, log, pretrain_here)
    if fresh:
        for folder in (out, s.records):
            shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(out, exist_ok=True)
    _forget_other_start(s)
    return s


def stages(s: Stages) -> list:
    """The demo's stages in order, as ``(name, done, work)``: ``done()`` says whether an
    earlier run finished it (then it is reused unless ``--fresh``), ``work()`` runs it."""
    if s.pretrain_here:
        first = [
            ("vocabulary", lambda: os.path.exists(s.vocab + ".model"),
             lambda: stage_vocabulary(s)),
            ("data", lambda: _records_match(s.records, s.vocab + ".model", s.plan),
             lambda: stage_data(s)),
            ("pretrain", lambda: _finished(s.pretrained), lambda: stage_pretrain(s)),
        ]
    else:
        first = [("starter", lambda: False, lambda: stage_starter(s))]
    return first + [
        ("finetune", lambda: os.path.exists(os.path.join(s.sst2, "eval_results.json")),
         lambda: stage_finetune(s)),
        ("export", lambda: _export_current(s.export_dir), lambda: stage_export(s)),
    ]


def _export_current(export_dir) -> bool:
    """An export of this release is there: its report names the on-device layout (an
    older export, whose TFLite files had no metadata, is made again)."""
    path = os.path.join(export_dir, "export_report.json")
    if not os.path.exists(path):
        return False
    with open(path, encoding="utf-8") as f:
        return "on_device" in json.load(f)


def summarise(s: Stages) -> dict:
    """Runs sentences through the four runtimes, prints the table; returns the summary
    (also written to OUT/summary.json)."""
    from albert_tf.demo_summary import check_and_summarise

    summary = check_and_summarise(s)
    s.log(summary["table"])
    return summary


def run_demo(data_dir=None, quick=False, fresh=False, out=None, log=print,
             pretrain_here=False) -> dict:
    """Runs every stage (``prepare``, each of ``stages``, ``summarise``); returns the
    summary. The arguments are ``prepare``'s."""
    s = prepare(data_dir, quick, fresh, out, log, pretrain_here)
    for name, done, work in stages(s):
        s.run(name, done, work)
    return summarise(s)


def _english_text(s):
    return sorted(glob.glob(os.path.join(s.data_dir, "pretrain_en", "*")))


def stage_vocabulary(s: Stages):
    """--pretrain-here: a SentencePiece vocabulary from pretrain_en."""
    from albert_tf.tokenization.vocab_training import train_sentencepiece

    train_sentencepiece(_english_text(s), s.vocab, s.plan.vocab_size, log=lambda line: None)


def stage_data(s: Stages):
    """--pretrain-here: masked-LM + sentence-order records (old models made on other
    records are removed: they are out of date too)."""
    from albert_tf.data.pretraining import DataSettings, create_pretraining_data

    p = s.plan
    for folder in (s.records, s.pretrained, s.sst2, s.export_dir):
        shutil.rmtree(folder, ignore_errors=True)
    create_pretraining_data(DataSettings(
        input=_english_text(s), output_dir=s.records, vocab=s.vocab + ".model",
        max_seq_length=p.pretrain_seq, dupe_factor=p.dupe_factor, num_shards=2,
        text_format=TEXT_FORMAT),
        log=lambda line: None)


def stage_pretrain(s: Stages):
    """--pretrain-here: a short pretraining of the demo config."""
    from albert_tf.tasks.pretraining import PretrainSettings, pretrain as run

    p = s.plan
    config = _demo_config(s.out, p)
    _clear_if_finished(s.pretrained)  # finished with other settings: start again
    run(PretrainSettings(
        albert_config=config, train_data=os.path.join(s.records, "*.tfrecord"),
        model_dir=s.pretrained, vocab=s.vocab + ".model", batch_size=p.pretrain_batch,
        steps=p.pretrain_steps, learning_rate=p.pretrain_lr,
        warmup_steps=p.pretrain_steps // 10, checkpoint_every=max(10, p.pretrain_steps // 6),
        verbose=2), print_fn=lambda line: s.log("  " + line))


def stage_starter(s: Stages):
    """The default start: the committed starter model (checked, its held-out score shown)."""
    _check_starter(s)


def stage_finetune(s: Stages):
    """SST-2 fine-tuning with the plan's recipe."""
    from albert_tf.tasks.base import task_options
    from albert_tf.tasks.finetuning import FinetuneSettings, finetune as run

    p = s.plan
    _clear_if_finished(s.sst2)  # trained, but stopped before its dev evaluation
    # A --pretrain-here directory holds the vocabulary only as a file: give it as
    # --vocab. The starter carries its own vocab/.
    run(FinetuneSettings(
        task="classification", train=os.path.join(s.data_dir, "sst2", "train.tsv"),
        dev=os.path.join(s.data_dir, "sst2", "dev.tsv"), output_dir=s.sst2,
        init_checkpoint=s.pretrained,
        vocab=s.vocab + ".model" if s.pretrain_here else None, epochs=p.finetune_epochs,
        batch_size=p.finetune_batch, learning_rate=p.finetune_lr,
        max_seq_length=p.finetune_seq, max_train_examples=p.finetune_examples,
        bias_correction=True, verbose=2),
        task_options("classification"),
        print_fn=lambda line: s.log("  " + line))


def stage_export(s: Stages):
    """SavedModel and TFLite files of the SST-2 model, with their report."""
    from albert_tf.export.run import export as run

    run(s.sst2, s.export_dir, variants=("float32", "dynamic_int8"),
        examples=s.plan.export_examples, log=lambda line: s.log("  " + line))


def _check_starter(s):
    """The starter model is there; shows what it scores on held-out text."""
    from albert_tf.model_dir import WEIGHTS_FILE

    if not os.path.exists(os.path.join(s.pretrained, WEIGHTS_FILE)):
        raise AlbertTfError(f"{s.pretrained} has no {WEIGHTS_FILE}: restore it from git "
                            "(git checkout saved_models) or run the demo with --pretrain-here")
    scores = os.path.join(s.pretrained, "heldout_scores.json")
    if os.path.exists(scores):
        with open(scores) as f:
            result = json.load(f)
        s.log(f"  {os.path.relpath(s.pretrained, REPO_ROOT)}: accuracy at [MASK] on held-out "
              f"WikiText {result['accuracy']['mask']:.3f} (always guessing the commonest piece: "
              f"{result['most_frequent_label_share']:.3f})")


def _forget_other_start(s):
    """A fine-tuned model from the other start (starter / --pretrain-here) is not reused."""
    from albert_tf.io_utils import atomic_write_text

    marker = os.path.join(s.out, "demo_start.json")
    start = {"start": "pretrain_here" if s.pretrain_here else "starter", "quick": s.quick}
    if not s.pretrain_here:
        from albert_tf.data.documents import file_digest
        from albert_tf.model_dir import WEIGHTS_FILE

        weights = os.path.join(s.pretrained, WEIGHTS_FILE)
        start["weights_sha256"] = file_digest(weights) if os.path.exists(weights) else None
    before = start if s.pretrain_here else None  # demos before the marker pretrained here
    if os.path.exists(marker):
        with open(marker) as f:
            before = json.load(f)
    if before != start:
        for folder in (s.sst2, s.export_dir):
            shutil.rmtree(folder, ignore_errors=True)
    atomic_write_text(marker, json.dumps(start) + "\n")


def _records_match(folder, vocab, plan):
    """The TFRecords are complete and were made from this vocabulary, length and format."""
    from albert_tf.data.documents import file_digest

    path = os.path.join(folder, "pretrain.metadata.json")
    if not os.path.exists(path) or not os.path.exists(vocab):
        return False
    with open(path) as f:
        meta = json.load(f)
    return (meta.get("vocab_sha256") == file_digest(vocab)
            and meta["settings"]["max_seq_length"] == plan.pretrain_seq
            and meta["settings"].get("text_format", "lines") == TEXT_FORMAT)


def _clear_if_finished(model_dir):
    """The demo owns its folders: a finished run that is not reusable is removed."""
    from albert_tf.training.fit import finished_run

    if finished_run(model_dir):
        shutil.rmtree(model_dir)


def _finished(model_dir):
    settings = os.path.join(model_dir, "pretrain_settings.json")
    log = os.path.join(model_dir, "training_log.csv")
    if not (os.path.exists(settings) and os.path.exists(log)) or os.path.exists(
            os.path.join(model_dir, "backup")):
        return False
    with open(settings) as f:
        steps = json.load(f)["steps"]
    with open(log) as f:
        rows = f.read().strip().splitlines()
    return len(rows) > 1 and rows[-1].split(",")[-1] != "" and str(steps) in rows[-1]


def _demo_config(out, plan):
    from albert_tf.config import AlbertConfig

    config = AlbertConfig.from_json_file(os.path.join(configs_dir(), "albert_demo.json"))
    config = config.replace(vocab_size=plan.vocab_size)
    path = os.path.join(out, "albert_config.json")
    config.to_json_file(path)
    return path
