"""Adversarial losses by name, as keras-io's compile(d_loss_fn, g_loss_fn):
a new variant is a loss here and a config naming it, not a copy of a step.

Each loss is a pair of functions of the discriminator's (or critic's) raw
outputs: `discriminator(real, fake)` and `generator(fake)`. Both return this
replica's share of the global-batch mean, so that summed over replicas (as
gradients are) they are the global-batch loss and N replicas make the update
of one device.

- "wasserstein" (WGAN, WGAN-GP): the critic maximises E[D(x)] − E[D(G(z))],
  the generator minimises −E[D(G(z))].
- "minimax" (Goodfellow et al. 2014, eq. 1): D minimises −log D(x) −
  log(1 − D(G(z))) with D = sigmoid(output); G minimises log(1 − D(G(z))),
  which saturates when D rejects its samples.
- "non_saturating" (the same paper, §3, and DCGAN): D as minimax, G minimises
  −log D(G(z)).
- "hinge" (Lim & Ye 2017; Miyato et al. 2018): D minimises
  E[max(0, 1 − D(x))] + E[max(0, 1 + D(G(z)))], G minimises −E[D(G(z))].
- "least_squares" (Mao et al. 2017, a = 0, b = c = 1): D minimises
  ½E[(D(x) − 1)²] + ½E[D(G(z))²], G minimises ½E[(D(G(z)) − 1)²].
"""

import tensorflow as tf


def global_mean(values):
    """This replica's share of the mean over the global batch: summed over
    replicas (as gradients are) it is the global-batch mean."""
    ctx = tf.distribute.get_replica_context()
    replicas = ctx.num_replicas_in_sync if ctx else 1
    local_n = tf.cast(tf.shape(values)[0], values.dtype)
    return tf.reduce_sum(values) / (local_n * replicas)


def bce(logits, label):
    """Share of the global-batch mean binary cross-entropy of sigmoid(logits)
    against a constant label: −log D for label 1, −log(1 − D) for label 0."""
    logits = tf.cast(logits, tf.float32)
    labels = tf.fill(tf.shape(logits), float(label))
    return global_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels, logits))


def _f32(x):
    return tf.cast(x, tf.float32)


def _sigmoid_discriminator(real, fake):
    return bce(real, 1) + bce(fake, 0)


LOSSES = {
    "wasserstein": (lambda real, fake: global_mean(_f32(fake)) - global_mean(_f32(real)),
                    lambda fake: -global_mean(_f32(fake))),
    "minimax": (_sigmoid_discriminator, lambda fake: -bce(fake, 0)),
    "non_saturating": (_sigmoid_discriminator, lambda fake: bce(fake, 1)),
    "hinge": (lambda real, fake: (global_mean(tf.nn.relu(1.0 - _f32(real)))
                                  + global_mean(tf.nn.relu(1.0 + _f32(fake)))),
              lambda fake: -global_mean(_f32(fake))),
    "least_squares": (lambda real, fake: 0.5 * (global_mean(tf.square(_f32(real) - 1.0))
                                                + global_mean(tf.square(_f32(fake)))),
                      lambda fake: 0.5 * global_mean(tf.square(_f32(fake) - 1.0))),
}
# Losses whose D reads its output as the logit of a probability (logged as D(x)).
SIGMOID_LOSSES = ("minimax", "non_saturating")


def get(name):
    """(discriminator loss, generator loss) of a named loss."""
    return LOSSES[name]


def names():
    return sorted(LOSSES)
