"""Export: SavedModels for TF Serving and TFLite variants for phones."""
