"""``albert-tf demo``."""


def register(commands):
    parser = commands.add_parser(
        "demo", help="the whole way on the bundled data: the English starter model, SST-2 "
        "fine-tuning, export, checks (a few minutes on 2 cores)",
        description="Fine-tunes the committed English starter model "
        "(saved_models/albert_starter_en, pretrained on this CPU) on SST-2, evaluates it, "
        "exports a SavedModel and TFLite files, runs sentences through them and MediaPipe's "
        "TextClassifier and prints "
        "what was made. With --pretrain-here it first trains a vocabulary on pretrain_en, "
        "writes MLM/SOP TFRecords and pretrains the demo config itself (about 9 minutes "
        "more, and a weaker model). Finished stages are reused unless --fresh.")
    parser.add_argument("--data-dir", help="the shared data folder (default: ../shared/data "
                        "beside the repository)")
    parser.add_argument("--quick", action="store_true", help="a run of about two minutes")
    parser.add_argument("--fresh", action="store_true", help="redo every stage")
    parser.add_argument("--pretrain-here", action="store_true",
                        help="pretrain a small model here (vocabulary, records, 600 LAMB "
                        "steps) instead of starting from the starter model")
    parser.add_argument("--output", help="where the models go (default: saved_models/demo)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from albert_tf import demo

    s = demo.prepare(args.data_dir, quick=args.quick, fresh=args.fresh, out=args.output,
                     log=lambda line: print(line, flush=True),
                     pretrain_here=args.pretrain_here)
    for name, done, work in demo.stages(s):
        s.run(name, done, work)
    demo.summarise(s)
    return 0
