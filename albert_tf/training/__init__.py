"""Training: strategies, optimizers and schedules, model.fit with callbacks."""
