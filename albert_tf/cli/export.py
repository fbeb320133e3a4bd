"""``albert-tf export``."""

import os

from albert_tf.cli.help_format import DefaultsHelpFormatter


def register(commands):
    parser = commands.add_parser(
        "export", formatter_class=DefaultsHelpFormatter,
        help="export a model directory as a SavedModel (TF Serving) and TFLite files",
        description="Writes OUTPUT/saved_model/1/ (signatures serving_default: raw text in; "
        "serve_ids: token ids in, stock ops only; serve_examples: tf.train.Example in, for the "
        "classify/regress APIs), OUTPUT/tflite/model.VARIANT.tflite, and a report of size, "
        "agreement with the Keras model and latency. Classifier and SQuAD TFLite files take "
        "ids/mask/segment_ids of [1, max_seq_length] and carry MediaPipe metadata (the "
        "tokenizer, the input roles, the labels), so MediaPipe's TextClassifier loads them "
        "alone; albert-tf tflite-info FILE shows it.",
    )
    parser.add_argument("--model-dir", required=True, help="a fine-tuned or pretrained model")
    parser.add_argument("--output", help="output folder (default: saved_models/NAME/)")
    parser.add_argument("--format", default="saved_model,tflite",
                        help="comma-separated: saved_model, tflite")
    parser.add_argument("--tflite-variants", default="float32,float16,dynamic_int8",
                        help="comma-separated: float32, float16, dynamic_int8, full_int8")
    parser.add_argument("--max-seq-length", type=int,
                        help="packing width of raw text (default: the model's)")
    parser.add_argument("--signatures", choices=("all", "ids"), default="all",
                        help="all: raw text in, and token ids in (loading needs "
                        "tensorflow-text); ids: token ids in only (serve_ids, serve_examples), "
                        "which stock TensorFlow and serving builds without TF Text load")
    parser.add_argument("--with-tokenizer", action="store_true",
                        help="also a TFLite file that takes raw text (tensorflow-text custom ops)")
    parser.add_argument("--data", help="labelled examples for the report (default: the model's "
                        "--dev file)")
    parser.add_argument("--calibration-data", help="full_int8 calibration examples (default: the "
                        "model's --train file)")
    parser.add_argument("--report-examples", type=int, default=200)
    parser.set_defaults(func=run)


def run(args) -> int:
    from albert_tf.export.run import export
    from albert_tf.resources import REPO_ROOT

    output = args.output or os.path.join(
        REPO_ROOT, "saved_models", os.path.basename(os.path.abspath(args.model_dir)))
    export(args.model_dir, output, formats=[f for f in args.format.split(",") if f],
           variants=[v for v in args.tflite_variants.split(",") if v],
           max_seq_length=args.max_seq_length, with_tokenizer=args.with_tokenizer,
           data=args.data, calibration=args.calibration_data, examples=args.report_examples,
           log=lambda line: print(line, flush=True), signatures=args.signatures)
    return 0
