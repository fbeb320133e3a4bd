"""Checkpoint interop: declarative name tables between albert-tf and other formats."""
