"""``albert-tf visualize``."""


def register(commands):
    parser = commands.add_parser(
        "visualize", help="attention maps, token attributions, training curves",
        description="attention: every layer and head for a sentence (PNG grid + HTML with "
        "hover); attributions: integrated gradients of a classifier's prediction (HTML); "
        "curves: the training log of a model directory (PNG).")
    parser.add_argument("kind", choices=("attention", "attributions", "curves"))
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--text", help="the sentence (attention, attributions)")
    parser.add_argument("--text-pair", help="second segment, for pair models")
    parser.add_argument("--output-dir", help="where the files go (default: MODEL_DIR/viz)")
    parser.add_argument("--steps", type=int, default=64, help="integrated-gradients steps")
    parser.set_defaults(func=run)


def run(args) -> int:
    import os

    from albert_tf.errors import AlbertTfError

    out = args.output_dir or os.path.join(args.model_dir, "viz")
    if args.kind == "curves":
        from albert_tf.viz.curves import plot_curves

        print(plot_curves(args.model_dir, os.path.join(out, "training_curves.png")))
        return 0
    if not args.text:
        raise AlbertTfError(f"visualize {args.kind} needs --text")
    if args.kind == "attention":
        from albert_tf.viz.attention import visualize_attention

        result = visualize_attention(args.model_dir, args.text, out, args.text_pair)
        print(result["png"])
        print(result["html"])
    else:
        from albert_tf.viz.attributions import visualize_attributions

        result = visualize_attributions(args.model_dir, args.text, out, args.text_pair, args.steps)
        print(result["html"])
    return 0
