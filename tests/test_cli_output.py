"""What the commands print: progress on long work (plain lines when the output is not a
terminal), and predictions for a data file given to predict."""

import contextlib
import io
import json
import os

import pytest

from albert_tf.cli import main
from albert_tf.cli.progress import verbosity
from conftest import DATA, REPO

STARTER = os.path.join(REPO, "saved_models", "albert_starter_en")
SST2_DEV = os.path.join(DATA, "sst2", "dev.tsv")


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_progress_bar_only_on_a_terminal():
    assert verbosity(None, _Terminal()) == 1
    assert verbosity(None, io.StringIO()) == 2
    assert verbosity(0, _Terminal()) == 0 and verbosity(1, io.StringIO()) == 1  # as asked


@pytest.fixture(scope="module")
def finetuned(tmp_path_factory):
    """A 2-step fine-tune with its output captured as a file would capture it."""
    folder = tmp_path_factory.mktemp("progress") / "out"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["finetune", "classification", "--train", SST2_DEV, "--dev", SST2_DEV,
                     "--init-checkpoint", STARTER, "--output-dir", str(folder),
                     "--max-train-examples", "64", "--batch-size", "32", "--epochs", "1"])
    assert code == 0, err.getvalue()
    return folder, out.getvalue()


def test_finetune_to_a_file_prints_plain_steps_and_its_evaluation(finetuned):
    _, out = finetuned
    assert "\r" not in out and "\x1b" not in out  # no bar redraws, no colour codes
    lines = out.splitlines()
    for start in ("tokenizing 64 training examples (872 dev examples read)",
                  f"building the model from {STARTER}", "step 2/2: ",
                  f"evaluating on 872 dev examples of {SST2_DEV}",
                  "predicted 872/872 rows", "dev: accuracy="):
        assert any(line.startswith(start) for line in lines), (start, lines)
    progress = [line for line in lines if line.startswith("predicted ")]
    assert 5 <= len(progress) <= 11  # about every 10 %


def test_evaluate_reports_progress_on_stderr_and_json_on_stdout(finetuned, tmp_path, capsys):
    import json

    folder, _ = finetuned
    output = tmp_path / "metrics.json"
    code = main(["evaluate", "classification", "--model-dir", str(folder), "--data", SST2_DEV,
                 "--output", str(output)])
    out, err = capsys.readouterr()
    assert code == 0
    assert json.loads(out) == json.loads(output.read_text())["metrics"]
    assert err.splitlines()[0] == f"evaluating {folder} on {SST2_DEV}"
    assert err.splitlines()[-1].startswith("predicted 872/872 rows")


def test_predict_reads_a_data_file_by_its_header(finetuned, tmp_path, capsys):
    """A TSV with a header and a label column: the sentences are the inputs, the header
    and labels are not (they were read as text before)."""
    folder, _ = finetuned
    code = main(["predict", "classification", "--model-dir", str(folder), "--input", SST2_DEV])
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    with open(SST2_DEV, encoding="utf-8") as f:
        sentences = [line.split("\t")[0].strip() for line in f.read().splitlines()[1:]]
    assert [r["text"] for r in rows] == sentences  # 872 rows, no header, no label
    # --text-column picks another column: a JSONL file with its own names.
    data = tmp_path / "reviews.jsonl"
    data.write_text("\n".join(json.dumps({"review": s, "stars": 5}) for s in sentences[:3]))
    code = main(["predict", "classification", "--model-dir", str(folder), "--input", str(data),
                 "--text-column", "review"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert [json.loads(line)["text"] for line in out.splitlines()] == sentences[:3]
