"""Distribution distances and sample-quality metrics for GANs.

Divergences between discrete distributions (natural log unless `base` is given):
  total_variation, kl_divergence, js_divergence.
  The GAN theory of Goodfellow et al. 2014 (Prop. 1, Thm. 1):
  optimal_discriminator D* = p_data / (p_data + p_g), gan_value V(D, G) and
  gan_value_at_optimum C(G) = −log 4 + 2·JS(p_data ‖ p_g).
Wasserstein distances:
  wasserstein_1d (exact W1 of 1-D weighted samples: ∫|F_x − F_y|);
  sliced_wasserstein (mean W1 over random 1-D projections; Rabin et al. 2011,
  Deshpande et al. 2018).
Gaussians in closed form:
  kl_gaussian, frechet_distance_gaussian (= W2², Dowson & Landau 1982),
  wasserstein2_gaussian.
Sample quality on features:
  frechet_distance (FID, Heusel et al. 2017, the TTUR code's statistics);
  kernel_inception_distance (KID, Bińkowski et al. 2018: unbiased MMD², cubic
  polynomial kernel, mean and std over subsets);
  inception_score (Salimans et al. 2016, the openai/improved-gan code's splits);
  precision_recall (Kynkäänniemi et al. 2019, k-NN balls, k = 3);
  density_coverage (Naeem et al. 2020, k = 5).
Likelihood:
  parzen_log_likelihood, parzen_protocol (Gaussian Parzen window, σ picked on
  validation rows; Goodfellow et al. 2014, Table 1 and `parzen_ll.py`).
Mode collapse:
  toy_mixture_modes (the centres and σ of zoo.data's 8gaussians, 25gaussians),
  mode_statistics (modes covered, share of high-quality samples; as in
  Srivastava et al. 2017, VEEGAN), kmeans, ndb (number of statistically
  different bins, Richardson & Weiss 2018).

Modules: divergences (with the GAN theory), features, manifold, modes, parzen:
the maths only. Which metrics a run is scored by is zoo.suite's, the one
evaluation of generator samples that zoo.evaluate and zoo.baseline share.

Everything is computed in float64 (Parzen's distances too, with TensorFlow).
Bad input raises a one-line ValueError.
"""

from zoo.metrics.divergences import (total_variation, kl_divergence, js_divergence,
                                     optimal_discriminator, gan_value, gan_value_at_optimum,
                                     wasserstein_1d, random_unit_directions, sliced_wasserstein,
                                     kl_gaussian, frechet_distance_gaussian, wasserstein2_gaussian)
from zoo.metrics.features import (feature_statistics, frechet_distance, unbiased_mmd2,
                                  kernel_inception_distance, inception_score)
from zoo.metrics.manifold import precision_recall, density_coverage
from zoo.metrics.modes import toy_mixture_modes, mode_statistics, kmeans, two_proportion_z, ndb
from zoo.metrics.parzen import parzen_log_likelihood, parzen_protocol
