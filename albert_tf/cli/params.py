"""``albert-tf params``."""


def register(commands):
    parser = commands.add_parser(
        "params", help="print the parameter table of one or more configs",
        description="Builds the encoder of each config (no forward pass) and counts its "
        "parameters by part: embeddings, E→H projection, shared blocks, pooler.",
    )
    parser.add_argument("albert_config", nargs="+", metavar="CONFIG",
                        help="an albert_config.json path or a bundled name (albert_base_v2)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from albert_tf.params import format_table, parameter_rows
    from albert_tf.resources import config_path

    rows = parameter_rows([config_path(c) for c in args.albert_config], log=lambda _: None)
    print(format_table(rows))
    return 0
