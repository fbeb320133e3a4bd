"""Sharded TFRecord output that appears under its final names only when complete.

Records go round-robin to ``NAME-00000-of-000NN.tfrecord`` written as hidden
``.partial`` files. ``checkpoint()`` flushes them and records their sizes, so a
crashed run resumes by truncating to the last checkpoint; ``finish()`` renames
them and writes the metadata JSON last.
"""

from __future__ import annotations

import json
import os

from albert_tf.data.features import tfrecord_frame
from albert_tf.io_utils import atomic_write_text


def shard_names(name: str, num_shards: int) -> list:
    return [f"{name}-{i:05d}-of-{num_shards:05d}.tfrecord" for i in range(num_shards)]


class ShardWriter:
    """Round-robin writer of framed records into ``num_shards`` partial files.

    Args:
        output_dir: where the shards go.
        name: shard name prefix.
        num_shards: number of files.
        resume: ``{"sizes": [...], "next": int, "counts": [...]}`` of a checkpoint
            to continue from, or None to start empty.
    """

    def __init__(self, output_dir, name, num_shards, resume=None):
        self.output_dir = output_dir
        self.names = shard_names(name, num_shards)
        self.partials = [os.path.join(output_dir, f".{n}.partial") for n in self.names]
        os.makedirs(output_dir, exist_ok=True)
        self.files = []
        for i, path in enumerate(self.partials):
            if resume:
                f = open(path, "r+b")
                f.truncate(resume["sizes"][i])
                f.seek(0, os.SEEK_END)
            else:
                f = open(path, "wb")
            self.files.append(f)
        self.next = resume["next"] if resume else 0
        self.counts = list(resume["counts"]) if resume else [0] * num_shards

    def write(self, record: bytes) -> None:
        self.files[self.next].write(tfrecord_frame(record))
        self.counts[self.next] += 1
        self.next = (self.next + 1) % len(self.files)

    def checkpoint(self) -> dict:
        """Flushes to disk; returns the state ``resume`` takes."""
        for f in self.files:
            f.flush()
            os.fsync(f.fileno())
        return {"sizes": [f.tell() for f in self.files], "next": self.next,
                "counts": list(self.counts)}

    def finish(self, metadata_path: str, metadata: dict) -> list:
        """Renames the shards to their final names, then writes the metadata."""
        self.checkpoint()
        for f in self.files:
            f.close()
        finals = []
        for partial, name in zip(self.partials, self.names):
            final = os.path.join(self.output_dir, name)
            os.replace(partial, final)
            finals.append(final)
        atomic_write_text(metadata_path, json.dumps(metadata, indent=2) + "\n")
        return finals

    def abandon(self) -> None:
        for f in self.files:
            f.close()
