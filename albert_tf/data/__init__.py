"""tf.data and TFRecords for ALBERT; independent of the model package (see DESIGN.md)."""
