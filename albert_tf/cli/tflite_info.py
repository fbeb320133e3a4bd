"""``albert-tf tflite-info``: what an exported TFLite file holds (signature, metadata)."""

import argparse


def register(commands):
    parser = commands.add_parser(
        "tflite-info", help="show a TFLite file's inputs, outputs and on-device metadata",
        description="Prints the signature (input and output tensors) of a .tflite file and "
        "the metadata that MediaPipe's TextClassifier and the TFLite Task Library read: the "
        "tokenizer and its vocabulary file, the input roles, the labels, and the files "
        "packed inside. --json prints the metadata as JSON.",
        epilog="example:\n  albert-tf tflite-info saved_models/sst2_export/tflite/"
        "model.dynamic_int8.tflite",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="a .tflite file")
    parser.add_argument("--json", action="store_true", help="the metadata as JSON")
    parser.set_defaults(func=run, needs_tensorflow=False)


def run(args) -> int:
    from albert_tf.export import mobile

    summary = mobile.describe(args.file)  # also refuses what is not a TFLite file
    if args.json:
        with open(args.file, "rb") as f:
            print(mobile.read_metadata(f.read()) or "{}")
    else:
        print(summary)
    return 0
