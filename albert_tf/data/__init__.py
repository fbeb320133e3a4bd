"""tf.data and TFRecords for ALBERT. Never imports ``albert_tf.modeling``."""
