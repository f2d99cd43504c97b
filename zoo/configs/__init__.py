"""Named configs, one module per model: `CONFIGS = {name: config}` and
`MODEL`, the model class. zoo.models registers every module found here."""
