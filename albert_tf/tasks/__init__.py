"""One module per task, owning its reader, featurizer, head wiring, loss and metrics."""
