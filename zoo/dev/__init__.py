"""Maintainer tooling, outside the runtime: training and shipping the
pretrained generators (ship), regenerating the stored baselines (baseline),
the reproduction report (reproduce) and fault injection for the reliability
batteries (faults). Runtime code (models, data, metrics, training, loading,
evaluation) never imports this package (tests/test_layers.py checks it).
The old commands, `python -m zoo.baseline`, `zoo.reproduce`, `zoo.faults`
and `zoo.pretrained --name=…`, run these."""
