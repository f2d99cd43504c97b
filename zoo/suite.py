"""The one evaluation of generator samples: `zoo.evaluate` (a trained run or
an export, 10,000 samples against the test split) and `zoo.baseline` (the CI
budget, 1,000 samples against validation examples) both call `evaluate`, so a
metric has one definition wherever it is reported.

What is measured depends on the dataset:
- every dataset: mean and std of the sample values; the mean gap
  |E[G(z)] − E[x]| and the sliced Wasserstein distance (128 directions), both
  on values scaled to [0, 1] by the config's value range;
- 8gaussians, 25gaussians: modes covered and the share of high-quality samples;
- images: NDB (100 k-means bins) and precision / recall (k = 3) on pixels;
- images in pixel space with a shipped domain classifier (zoo.classifiers):
  the classifier score and the classifier Fréchet distance;
- with an InceptionV3 model (zoo.inception.load): FID, KID and IS;
- given (validation, test) examples, MNIST and the face sets: the Parzen
  log-likelihood of Goodfellow et al. 2014.
Samples of configs whose data is preprocessed away from pixels (the original
GAN's global contrast normalisation on CIFAR-10) are compared with real
examples preprocessed the same way, and get no pixel-space metric: the
classifier and InceptionV3 would see something that is not an image.
"""

import numpy as np

from zoo import data, datasets, metrics

PARZEN_DATASETS = datasets.names(parzen=True)


def in_pixel_space(config):
    """Whether the config's samples are images in its value range (not GCN'd)."""
    return not getattr(config, "gcn_scale", 0)


def distribution_metrics(config, samples, real, seed=0):
    """Statistics of samples against real examples that any dataset has."""
    fake, ref = data.unit(samples, config.value_range), data.unit(real, config.value_range)
    return dict(sample_mean=float(np.mean(samples)), sample_std=float(np.std(samples)),
                mean_gap=float(np.abs(fake.mean(0) - ref.mean(0)).mean()),
                sliced_wasserstein=metrics.sliced_wasserstein(fake, ref, seed=seed))


def classifier_metrics(config, samples, real):
    """The domain classifier's score and Fréchet distance ({} where it does not apply)."""
    from zoo import classifiers
    if config.dataset in data.TOY_DATASETS or not in_pixel_space(config) \
            or not classifiers.available(config.dataset):
        return {}
    unit = lambda x: data.unit(x, config.value_range).reshape(np.shape(x))
    return classifiers.classifier_metrics(classifiers.load(config.dataset), unit(samples),
                                          unit(real))


def evaluate(config, samples, real, seed=0, parzen_splits=None, inception_model=None):
    """{metric: value} of `samples` (N, ...) against `real` examples of the
    config's dataset, both in its value range and preprocessed alike.
    `parzen_splits`: (validation, test) examples for the Parzen protocol."""
    results = dict(distribution_metrics(config, samples, real, seed))
    fake = data.unit(samples, config.value_range)  # in [0, 1], for NDB, precision and Parzen
    if config.dataset in ("8gaussians", "25gaussians"):
        centres, std = metrics.toy_mixture_modes(config.dataset)
        stats = metrics.mode_statistics(samples, centres, std)
        results.update(modes_covered=stats["modes_covered"],
                       high_quality_fraction=stats["high_quality_fraction"])
    if config.dataset not in data.TOY_DATASETS:
        n = min(len(samples), len(real))
        ref = data.unit(real[:n], config.value_range)
        results["ndb"] = metrics.ndb(ref, fake[:n], num_bins=min(100, n), seed=seed)["ndb"]
        results.update(metrics.precision_recall(ref, fake[:n], k=3))
    results.update(classifier_metrics(config, samples, real))
    if inception_model is not None and config.dataset not in data.TOY_DATASETS:
        if not in_pixel_space(config):
            raise ValueError(f"FID/KID/IS need images; {config.model}/{config.dataset} samples "
                             "are GCN-normalised: evaluate without --fid")
        from zoo import inception
        results.update(inception.scores(inception_model, samples, real, config.value_range))
    if parzen_splits is not None and config.dataset in PARZEN_DATASETS:
        validation, test = (data.unit(x, config.value_range) for x in parzen_splits)
        parzen = metrics.parzen_protocol(fake, validation, test,
                                         n_validation=min(1000, len(validation)))
        results.update(parzen_log_likelihood=parzen["mean"], parzen_sem=parzen["sem"],
                       parzen_sigma=parzen["sigma"])
    return results
