"""Named configs, one module per model: `CONFIGS = {dataset: config}`."""
