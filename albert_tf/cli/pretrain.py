"""``albert-tf pretrain``."""

import argparse

from albert_tf.cli.help_format import DefaultsHelpFormatter
from albert_tf.cli.progress import VERBOSE_HELP


def register(commands):
    parser = commands.add_parser(
        "pretrain", help="pretrain ALBERT (masked-LM + sentence order) on TFRecords",
        formatter_class=DefaultsHelpFormatter,
        description="Trains AlbertPretrainer with model.fit on TFRecords made by "
        "create-pretraining-data. Writes a model directory and keeps it current; run the "
        "same command again after a crash to resume where it stopped.",
    )
    parser.add_argument("--albert-config", required=True,
                        help="albert_config.json (a path or a bundled name such as albert_base_v2)")
    parser.add_argument("--train-data", required=True, help="TFRecord glob(s), comma-separated")
    parser.add_argument("--eval-data", help="TFRecord glob(s) evaluated after each chunk")
    parser.add_argument("--model-dir", required=True, help="output model directory")
    parser.add_argument("--vocab", help="vocabulary to store in MODEL_DIR/vocab/")
    parser.add_argument("--do-lower-case", action=argparse.BooleanOptionalAction, default=True,
                        help="the tokenizer setting stored with --vocab")
    parser.add_argument("--batch-size", type=int, default=32, help="global batch size")
    parser.add_argument("--steps", type=int, default=1000, help="optimizer updates")
    parser.add_argument("--learning-rate", type=float, default=1e-3, help="peak learning rate")
    parser.add_argument("--warmup-steps", type=int, default=100, help="linear warm-up updates")
    parser.add_argument("--optimizer", choices=("lamb", "adamw"), default="lamb")
    parser.add_argument("--adam-bias-correction", dest="bias_correction",
                        action=argparse.BooleanOptionalAction, default=False,
                        help="Adam's bias correction (off in the original ALBERT; turn it on "
                        "for short runs with large learning rates)")
    parser.add_argument("--weight-decay", type=float, default=0.01,
                        help="decay rate; LayerNorm and bias variables are excluded")
    parser.add_argument("--gradient-accumulation-steps", type=int, default=1,
                        help="batches per optimizer update")
    parser.add_argument("--strategy", default="auto",
                        choices=("auto", "one_device", "mirrored", "multi_worker", "tpu"),
                        help="tf.distribute strategy; multi_worker reads TF_CONFIG")
    parser.add_argument("--tpu", help="TPU address or name (implies --strategy tpu)")
    parser.add_argument("--cpu-devices", type=int, default=0,
                        help="with --strategy mirrored and no GPU: split the CPU into N devices")
    parser.add_argument("--mixed-precision", choices=("bfloat16", "float16"))
    parser.add_argument("--jit-compile", default="auto", choices=("auto", "true", "false"),
                        help="XLA; auto = on except MirroredStrategy over several CPUs")
    parser.add_argument("--init-checkpoint", help="model directory to start from")
    parser.add_argument("--dynamic-masking", action="store_true",
                        help="draw new masks every epoch in tf.data (records made with "
                        "create-pretraining-data --masked-lm-prob 0)")
    parser.add_argument("--masked-lm-prob", type=float, default=0.15,
                        help="with --dynamic-masking: share of tokens to predict")
    parser.add_argument("--masking-ngram", type=int,
                        help="with --dynamic-masking: longest masked n-gram in words (default: "
                        "the records' --ngram, 3)")
    parser.add_argument("--sop-loss-weight", type=float, default=1.0,
                        help="weight of the sentence-order loss (0 = masked LM only)")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--checkpoint-every", type=int, default=500,
                        help="updates between checkpoints (and log lines)")
    parser.add_argument("--keep-checkpoints", type=int, default=5)
    parser.add_argument("--eval-steps", type=int, default=20)
    parser.add_argument("--verbose", type=int, choices=(0, 1, 2), help=VERBOSE_HELP)
    parser.set_defaults(func=run)


def run(args) -> int:
    from albert_tf.cli.progress import verbosity
    from albert_tf.resources import config_path
    from albert_tf.tasks.pretraining import PretrainSettings, pretrain

    settings = PretrainSettings(
        albert_config=config_path(args.albert_config), train_data=args.train_data,
        model_dir=args.model_dir, eval_data=args.eval_data, vocab=args.vocab,
        do_lower_case=args.do_lower_case,
        batch_size=args.batch_size, steps=args.steps, learning_rate=args.learning_rate,
        warmup_steps=args.warmup_steps, optimizer=args.optimizer,
        bias_correction=args.bias_correction,
        weight_decay=args.weight_decay,
        gradient_accumulation_steps=args.gradient_accumulation_steps,
        strategy="tpu" if args.tpu and args.strategy == "auto" else args.strategy,
        tpu=args.tpu, cpu_devices=args.cpu_devices, mixed_precision=args.mixed_precision,
        jit_compile=args.jit_compile, init_checkpoint=args.init_checkpoint, seed=args.seed,
        checkpoint_every=args.checkpoint_every, keep_checkpoints=args.keep_checkpoints,
        eval_steps=args.eval_steps, dynamic_masking=args.dynamic_masking,
        masked_lm_prob=args.masked_lm_prob, masking_ngram=args.masking_ngram,
        sop_loss_weight=args.sop_loss_weight, verbose=verbosity(args.verbose),
    )
    pretrain(settings, print_fn=lambda line: print(line, flush=True))
    return 0
