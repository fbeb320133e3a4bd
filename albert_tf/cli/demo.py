"""``albert-tf demo``."""


def register(commands):
    parser = commands.add_parser(
        "demo", help="the whole way on the bundled data: vocabulary, pretraining data, "
        "pretraining, SST-2 fine-tuning, export, checks (about 15 minutes on 2 cores)",
        description="Trains a vocabulary on pretrain_en, writes MLM/SOP TFRecords, pretrains "
        "the demo config, fine-tunes it on SST-2, evaluates it, exports a SavedModel and "
        "TFLite files, runs sentences through all three and prints what was made. Finished "
        "stages are reused unless --fresh.")
    parser.add_argument("--data-dir", help="the shared data folder (default: ../shared/data "
                        "beside the repository)")
    parser.add_argument("--quick", action="store_true", help="a run of about two minutes")
    parser.add_argument("--fresh", action="store_true", help="redo every stage")
    parser.add_argument("--output", help="where the models go (default: saved_models/demo)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from albert_tf.demo import run_demo

    run_demo(args.data_dir, quick=args.quick, fresh=args.fresh, out=args.output,
             log=lambda line: print(line, flush=True))
    return 0
