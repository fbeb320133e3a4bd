"""Pictures: training curves, attention maps, attributions."""
