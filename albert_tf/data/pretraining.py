"""``create-pretraining-data``: text -> masked-LM + sentence-order TFRecords, in parallel.

Work is split into blocks of whole documents (``block_mb`` of text each). Every
block is tokenized, cut into sentence-order pairs ``dupe_factor`` times, masked
and shuffled by one ``random.Random`` seeded from (``random_seed``, block
number), so the output depends on the seed, the inputs and the block size but
not on how many worker processes ran. The main process writes blocks in order,
round-robin over the shards, checkpointing as it goes: a killed run leaves only
hidden ``.partial`` files and resumes from its last checkpoint.

Differences from the original script: documents are shuffled, random "next"
documents are drawn and instances are shuffled within a block instead of the
whole corpus (forced by streaming; a corpus smaller than one block gets the
original behaviour); the n-gram length is drawn from the seeded generator instead
of NumPy's unseeded global one; and a chunk of one segment is split inside the
segment rather than paired with a random document (``--single-segment
random_next`` restores that; see ``instances.py``).
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import json
import multiprocessing
import os
import random
import time

from albert_tf.data.documents import TEXT_FORMATS, expand_inputs, file_digest, iter_blocks
from albert_tf.data.features import feature_lengths, serialize_example
from albert_tf.data.instances import SINGLE_SEGMENT, document_instances
from albert_tf.data.masking import mask_tokens, ngram_weights
from albert_tf.data.shards import ShardWriter, shard_names
from albert_tf.errors import AlbertTfError
from albert_tf.io_utils import atomic_write_text

FORMAT = "albert-tf-pretraining-data/1"


@dataclasses.dataclass
class DataSettings:
    """Every setting of a ``create-pretraining-data`` run (written to the metadata)."""

    input: list
    output_dir: str
    vocab: str
    kind: str | None = None
    name: str = "pretrain"
    max_seq_length: int = 128
    max_predictions_per_seq: int = 20
    masked_lm_prob: float = 0.15
    dupe_factor: int = 10
    short_seq_prob: float = 0.1
    ngram: int = 3
    favor_shorter_ngram: bool = False
    whole_word_mask: bool = True
    single_segment: str = "split"
    segmenter: str | None = None
    text_format: str = "lines"
    random_seed: int = 12345
    do_lower_case: bool = True
    num_workers: int = 0
    num_shards: int = 4
    block_mb: float = 0.5
    checkpoint_seconds: float = float(os.environ.get("ALBERT_TF_DATA_CHECKPOINT_SECONDS", 30))

    def output_identity(self) -> dict:
        """The settings that determine the bytes written (not worker count or paths)."""
        skip = {"output_dir", "num_workers", "input", "checkpoint_seconds"}
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in skip}


def validate(settings: DataSettings) -> None:
    # Upper bounds too: a size of 10**12 used to run the machine out of memory.
    checks = [
        (5 <= settings.max_seq_length <= 65536, "--max-seq-length must be 5 to 65,536"),
        (1 <= settings.max_predictions_per_seq <= settings.max_seq_length,
         "--max-predictions-per-seq must be at least 1 and at most --max-seq-length"),
        (settings.dupe_factor <= 1000, "--dupe-factor must be at most 1,000"),
        (settings.num_shards <= 100_000, "--num-shards must be at most 100,000"),
        (settings.block_mb <= 4096, "--block-mb must be at most 4,096"),
        (0 <= settings.num_workers <= 1024,
         "--num-workers must be 0 (one per core) to 1,024"),
        (0 <= settings.masked_lm_prob < 1, "--masked-lm-prob must be in [0, 1)"),
        (settings.dupe_factor >= 1, "--dupe-factor must be at least 1"),
        (0 <= settings.short_seq_prob <= 1, "--short-seq-prob must be in [0, 1]"),
        (settings.ngram >= 1, "--ngram must be at least 1"),
        (settings.num_shards >= 1, "--num-shards must be at least 1"),
        (settings.block_mb > 0, "--block-mb must be positive"),
        (settings.segmenter in (None, "jieba"), "--segmenter must be jieba"),
        (settings.text_format in TEXT_FORMATS,
         f"--text-format must be one of {', '.join(TEXT_FORMATS)}"),
        (settings.single_segment in SINGLE_SEGMENT,
         f"--single-segment must be one of {', '.join(SINGLE_SEGMENT)}"),
    ]
    for ok, message in checks:
        if not ok:
            raise AlbertTfError(message)


# -- the worker side -------------------------------------------------------------

_WORKER = {}


def _init_worker(settings_dict):
    from albert_tf.data.segment_text import BlockTokenizer

    settings = DataSettings(**settings_dict)
    tokenizer = BlockTokenizer(settings.vocab, settings.kind, settings.do_lower_case,
                               settings.segmenter)
    specials = tokenizer.vocabulary.special_ids
    _WORKER.update(settings=settings, tokenizer=tokenizer, specials=specials,
                   vocab_size=tokenizer.vocabulary.size,
                   weights=ngram_weights(settings.ngram, settings.favor_shorter_ngram))


def _new_stats():
    return {"instances": 0, "sop_label_1": 0, "tokens": 0, "masked": 0, "documents": 0,
            "long_segments": 0, "long_segment_tokens": 0,
            "ngram_drawn": collections.Counter(), "ngram_applied": collections.Counter(),
            "replaced": collections.Counter()}


def process_block(job):
    """Worker: one block of documents -> serialized records and statistics."""
    block_index, lines_by_document = job
    settings, tokenizer, specials = _WORKER["settings"], _WORKER["tokenizer"], _WORKER["specials"]
    rng = random.Random(f"{settings.random_seed}:{block_index}")
    flat = [line for document in lines_by_document for line in document]
    segments = iter(tokenizer.segments(flat))
    documents = []
    for document in lines_by_document:
        kept = [s for s in (next(segments) for _ in document) if s]
        if kept:
            documents.append(kept)
    rng.shuffle(documents)
    stats = _new_stats()
    stats["documents"] = len(documents)
    # A segment (line or sentence) longer than an instance loses the rest of its tokens.
    room = settings.max_seq_length - 3
    for document in documents:
        for segment in document:
            if len(segment) > room:
                stats["long_segments"] += 1
                stats["long_segment_tokens"] += len(segment) - room
    lengths = feature_lengths(settings.max_seq_length, settings.max_predictions_per_seq)
    cls_id, sep_id, mask_id = specials["cls"], specials["sep"], specials["mask"]
    instances = []

    def emit(a, b, label):
        tokens = [cls_id] + [t for t, _ in a] + [sep_id] + [t for t, _ in b] + [sep_id]
        starts = [True] + [s for _, s in a] + [True] + [s for _, s in b] + [True]
        special = [False] * len(tokens)
        special[0] = special[len(a) + 1] = special[-1] = True
        output, positions, labels = mask_tokens(
            tokens, starts, special, rng, masked_lm_prob=settings.masked_lm_prob,
            max_predictions=settings.max_predictions_per_seq, ngram_weights=_WORKER["weights"],
            vocab_size=_WORKER["vocab_size"], mask_id=mask_id,
            whole_word=settings.whole_word_mask, stats=stats,
        )
        instances.append(_record(output, starts, len(a), positions, labels, label, lengths))
        stats["instances"] += 1
        stats["sop_label_1"] += label
        stats["tokens"] += len(tokens)
        stats["masked"] += len(positions)

    for _ in range(settings.dupe_factor):
        for index in range(len(documents)):
            document_instances(documents, index, rng, max_seq_length=settings.max_seq_length,
                               short_seq_prob=settings.short_seq_prob, emit=emit,
                               single_segment=settings.single_segment)
    rng.shuffle(instances)
    return block_index, [serialize_example(r) for r in instances], stats


def _record(tokens, starts, len_a, positions, labels, label, lengths):
    seq, preds = lengths["input_ids"], lengths["masked_lm_positions"]
    pad = seq - len(tokens)
    boundary = [1 if s else 0 for s in starts]
    return {
        "input_ids": tokens + [0] * pad,
        "input_mask": [1] * len(tokens) + [0] * pad,
        "segment_ids": [0] * (len_a + 2) + [1] * (len(tokens) - len_a - 2) + [0] * pad,
        "token_boundary": boundary + [0] * pad,
        "masked_lm_positions": positions + [0] * (preds - len(positions)),
        "masked_lm_ids": labels + [0] * (preds - len(labels)),
        "masked_lm_weights": [1.0] * len(labels) + [0.0] * (preds - len(labels)),
        "next_sentence_labels": [label],
    }


# -- the main side ------------------------------------------------------------------

def _merge(total, stats):
    for key, value in stats.items():
        if isinstance(value, collections.Counter):
            total[key].update(value)
        else:
            total[key] += value


def _stats_to_json(stats):
    return {k: (dict(sorted(v.items())) if isinstance(v, collections.Counter) else v)
            for k, v in stats.items()}


def _stats_from_json(data):
    stats = _new_stats()
    for key, value in data.items():
        if isinstance(stats[key], collections.Counter):
            stats[key].update({(int(k) if k.isdigit() else k): v for k, v in value.items()})
        else:
            stats[key] = value
    return stats


def create_pretraining_data(settings: DataSettings, log=print) -> dict:
    """Runs the whole job; returns the metadata written beside the shards."""
    validate(settings)
    files = expand_inputs(settings.input)
    from albert_tf.tokenization.vocab import read_vocabulary

    vocabulary = read_vocabulary(settings.vocab, settings.kind)
    settings.kind = vocabulary.kind
    if settings.segmenter == "jieba":
        try:
            import jieba  # noqa: F401
        except ImportError:
            raise AlbertTfError("--segmenter jieba needs jieba (pip install -e .[zh])") from None
    workers = settings.num_workers or os.cpu_count() or 1
    identity = {
        "settings": settings.output_identity(),
        "inputs": [{"path": os.path.abspath(f), "sha256": file_digest(f)} for f in files],
        "vocab_sha256": file_digest(settings.vocab),
    }
    fingerprint = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
    metadata_path = os.path.join(settings.output_dir, f"{settings.name}.metadata.json")
    progress_path = os.path.join(settings.output_dir, f".{settings.name}.progress.json")
    if os.path.exists(metadata_path):
        raise AlbertTfError(f"{metadata_path} exists: this output is complete; "
                            "remove it or choose another --output-dir / --name")
    resume = None
    if os.path.exists(progress_path):
        with open(progress_path, encoding="utf-8") as f:
            progress = json.load(f)
        if progress.get("fingerprint") == fingerprint:
            resume = progress
            log(f"resuming after block {progress['blocks_done']} "
                f"({sum(progress['shards']['counts']):,} instances written)")
    writer = ShardWriter(settings.output_dir, settings.name, settings.num_shards,
                         resume=resume["shards"] if resume else None)
    stats = _stats_from_json(resume["stats"]) if resume else _new_stats()
    blocks_done = resume["blocks_done"] if resume else 0
    total_bytes = sum(os.path.getsize(f) for f in files)
    start = time.perf_counter()
    log(f"creating pretraining data from {len(files)} file(s), {total_bytes / 1e6:.2f} MB, "
        f"with {workers} worker(s)")
    blocks = iter_blocks(files, int(settings.block_mb * 1e6), settings.text_format)
    jobs = ((i, block) for i, block in enumerate(blocks) if i >= blocks_done)
    last_checkpoint = time.perf_counter()
    try:
        for index, records, block_stats in _run(jobs, settings, workers):
            for record in records:
                writer.write(record)
            _merge(stats, block_stats)
            blocks_done = index + 1
            if time.perf_counter() - last_checkpoint >= settings.checkpoint_seconds:
                _save_progress(progress_path, fingerprint, blocks_done, writer, stats)
                last_checkpoint = time.perf_counter()
            elapsed = time.perf_counter() - start
            log(f"block {blocks_done}: {stats['instances']:,} instances, "
                f"{stats['instances'] / max(elapsed, 1e-9):,.0f}/s")
    except BaseException:
        writer.abandon()
        raise
    seconds = time.perf_counter() - start
    metadata = {
        "format": FORMAT,
        **identity,
        "features": feature_lengths(settings.max_seq_length, settings.max_predictions_per_seq),
        "vocab": {"path": os.path.abspath(settings.vocab), "kind": vocabulary.kind,
                  "size": vocabulary.size, "special_ids": dict(vocabulary.special_ids)},
        "shards": [{"file": n, "instances": c}
                   for n, c in zip(shard_names(settings.name, settings.num_shards), writer.counts)],
        "instances": stats["instances"],
        "blocks": blocks_done,
        "statistics": _stats_to_json(stats),
        "seconds": round(seconds, 3),
        "workers": workers,
    }
    if stats["instances"] == 0:
        writer.abandon()
        raise AlbertTfError("the input gave no instances (is it empty, or all one-line documents?)")
    writer.finish(metadata_path, metadata)
    if os.path.exists(progress_path):
        os.remove(progress_path)
    log(f"wrote {stats['instances']:,} instances to {settings.num_shards} shard(s) in "
        f"{settings.output_dir} in {seconds:.1f}s")
    fill = stats["tokens"] / stats["instances"]
    log(f"{fill:.1f} tokens per instance of {settings.max_seq_length}, "
        f"{stats['masked'] / stats['instances']:.1f} masked")
    if fill < 0.6 * settings.max_seq_length:
        log(f"note: instances are {100 * fill / settings.max_seq_length:.0f}% full: the documents "
            "are short; for books or articles without a blank line between documents try "
            "--text-format prose or paragraphs")
    if stats["long_segments"]:
        log(f"warning: {stats['long_segments']:,} line(s) or sentence(s) were longer than "
            f"--max-seq-length {settings.max_seq_length}; {stats['long_segment_tokens']:,} "
            "of their tokens beyond that are in no instance (split such text into lines)")
    return metadata


def _save_progress(path, fingerprint, blocks_done, writer, stats):
    state = {"fingerprint": fingerprint, "blocks_done": blocks_done,
             "shards": writer.checkpoint(), "stats": _stats_to_json(stats)}
    atomic_write_text(path, json.dumps(state))


def _run(jobs, settings, workers):
    """Yields ``process_block`` results in block order, at most 2 blocks per worker in flight."""
    settings_dict = dataclasses.asdict(settings)
    if workers == 1:
        _init_worker(settings_dict)
        for job in jobs:
            yield process_block(job)
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_init_worker, initargs=(settings_dict,)) as pool:
        pending = collections.deque()
        for job in jobs:
            pending.append(pool.apply_async(process_block, (job,)))
            while len(pending) >= 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
