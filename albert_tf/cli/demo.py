"""``albert-tf demo``."""


def register(commands):
    parser = commands.add_parser(
        "demo", help="run the main job on the bundled data (now: build every config and "
        "print its parameter table)",
        description="Builds every config under configs/ and prints its parameter table.",
    )
    parser.add_argument("--configs", metavar="DIR", help="folder of albert_config.json files "
                        "(default: the repository's configs/)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from albert_tf.demo import run_demo

    return run_demo(config_dir=args.configs)
