"""Named configs, one module per model: `CONFIGS = {name: config}` and
`MODEL`, the model class as "module:Class" (imported when a model is built).
A configs module defines its model's config class and imports no TensorFlow. zoo.models registers every module found here."""
