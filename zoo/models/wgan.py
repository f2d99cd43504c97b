"""WGAN — Arjovsky, Chintala & Bottou 2017, "Wasserstein GAN".

The critic has no sigmoid; it maximises E[D(x)] − E[D(G(z))] with RMSProp and
its weights clipped to [−c, c] after every update; the generator minimises
−E[D(G(z))]. Networks and schedule follow the authors' code
(martinarjovsky/WassersteinGAN: `main.py`, `models/dcgan.py`, `models/mlp.py`).
The code's critic is this one's negative (it minimises D(x) − D(G(z))): the
same training with the sign of D flipped.
"""


import keras
import numpy as np
import tensorflow as tf

from zoo import data
from zoo.configs.wgan import WGANConfig  # noqa: F401 - the model's config class
from zoo.models.base import GAN
from zoo.models.layers import Clip, apply_constraints, batch_norm, leaky_relu, normal


# ---- networks -------------------------------------------------------------

def pyramid(size):
    """Halvings of models/dcgan.py from `size` down to the 4×4 map (the code
    needs size % 16 == 0); a 28×28 image stops at 7×7, by the same rule."""
    halvings = 0
    while size % 2 == 0 and size > 4:
        size, halvings = size // 2, halvings + 1
    return size, halvings


def dcgan_generator(cfg):
    h, _, c = data.example_shape(cfg.dataset)
    start, n = pyramid(h)
    channels = cfg.ngf // 2 * 2 ** n  # the code: cngf doubles once per halving from ngf/2
    init = lambda: normal(cfg.init_std)  # a fresh initializer per layer (see layers.normal)
    bn = lambda: batch_norm(cfg.bn_momentum, cfg.bn_epsilon, gamma_init=normal(cfg.init_std, 1.0))
    layers = [keras.Input((cfg.latent_dim,)), keras.layers.Reshape((1, 1, cfg.latent_dim)),
              # ConvTranspose2d(nz, cngf, 4, 1, 0): 1×1 → start×start
              keras.layers.Conv2DTranspose(channels, start, use_bias=False,
                                           kernel_initializer=init()), bn(), keras.layers.ReLU()]
    for _ in range(n - 1):  # ConvTranspose2d(cngf, cngf/2, 4, 2, 1): doubles the size
        channels //= 2
        layers += [keras.layers.Conv2DTranspose(channels, 4, strides=2, padding="same",
                                                use_bias=False, kernel_initializer=init()),
                   bn(), keras.layers.ReLU()]
    layers += [keras.layers.Conv2DTranspose(c, 4, strides=2, padding="same", use_bias=False,
                                            kernel_initializer=init()),
               keras.layers.Activation("tanh", dtype="float32")]
    return keras.Sequential(layers, name="generator")


def dcgan_critic(cfg):
    h, w, c = data.example_shape(cfg.dataset)
    start, n = pyramid(h)
    clip = Clip(cfg.clip_value)
    init = lambda: normal(cfg.init_std)
    conv = lambda ch, k, s, pad: keras.layers.Conv2D(ch, k, strides=s, padding=pad, use_bias=False,
                                                     kernel_initializer=init(), kernel_constraint=clip)
    layers = [keras.Input((h, w, c)), conv(cfg.ndf, 4, 2, "same"), leaky_relu(0.2)]
    channels = cfg.ndf
    for _ in range(n - 1):  # Conv2d(cndf, 2·cndf, 4, 2, 1), BN, LeakyReLU(0.2)
        channels *= 2
        layers += [conv(channels, 4, 2, "same"),
                   batch_norm(cfg.bn_momentum, cfg.bn_epsilon, gamma_init=normal(cfg.init_std, 1.0),
                              gamma_constraint=clip, beta_constraint=clip),
                   leaky_relu(0.2)]
    layers += [keras.layers.Conv2D(1, start, use_bias=False, kernel_initializer=init(),
                                   kernel_constraint=clip, dtype="float32"),  # start×start → 1
               keras.layers.Flatten(dtype="float32")]
    return keras.Sequential(layers, name="critic")


def mlp(cfg, n_in, n_out, name, clip=None):
    """models/mlp.py: ReLU hidden layers of mlp_units, a linear output; the
    layers are torch's nn.Linear (weights and biases U(±1/√fan_in))."""
    layers, fan_in = [keras.Input((n_in,))], n_in
    widths = [cfg.mlp_units] * cfg.mlp_layers + [n_out]
    for i, units in enumerate(widths):
        bound = 1.0 / np.sqrt(fan_in)
        init = lambda: keras.initializers.RandomUniform(-bound, bound)  # one per tensor
        last = i == len(widths) - 1  # the output layer: linear, float32
        layers.append(keras.layers.Dense(units, kernel_initializer=init(), bias_initializer=init(),
                                         kernel_constraint=clip, bias_constraint=clip,
                                         dtype="float32" if last else None))
        if not last:
            layers.append(keras.layers.ReLU())
        fan_in = units
    return keras.Sequential(layers, name=name)


def mlp_generator(cfg):
    shape = data.example_shape(cfg.dataset)
    net = mlp(cfg, cfg.latent_dim, int(np.prod(shape)), "generator_mlp")
    return keras.Sequential([net, keras.layers.Reshape(shape, dtype="float32")], name="generator")


def mlp_critic(cfg):
    shape = data.example_shape(cfg.dataset)
    net = mlp(cfg, int(np.prod(shape)), 1, "critic_mlp", clip=Clip(cfg.clip_value))
    return keras.Sequential([keras.Input(shape), keras.layers.Flatten(), net], name="critic")


ARCHITECTURES = {"dcgan": (dcgan_generator, dcgan_critic), "mlp": (mlp_generator, mlp_critic)}


def run_where(when, step, last):
    """Runs `step()` (replica-context work returning a dict of log shares,
    see GAN.report) only where the bool tensor `when`, the same on every
    replica, holds: otherwise none of its passes run. Its logs are kept, as
    global values, in `last` (a dict of float variables with
    ONLY_FIRST_REPLICA aggregation); returns them as this replica's shares,
    so a call that skipped the step logs its last run's values. A strategy
    that synchronises through merge_call (apply_gradients does) cannot have
    that call inside a replica-context cond, so there the cond runs in
    cross-replica context, as Keras's LossScaleOptimizer does it."""
    ctx = tf.distribute.get_replica_context()
    replicas = ctx.num_replicas_in_sync if ctx else 1

    def run():
        logs = step()
        if replicas > 1:
            logs = tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, logs)
        for name, value in logs.items():
            last[name].assign(tf.cast(value, last[name].dtype))
        return tf.no_op()

    if tf.__internal__.distribute.strategy_supports_no_merge_call():
        tf.cond(when, run, tf.no_op)
    else:
        def in_cross_replica(strategy, when):
            when = strategy.experimental_local_results(when)[0]
            call = lambda: strategy.extended.call_for_each_replica(run)
            tf.cond(when, lambda: call() and tf.no_op(), tf.no_op)
        ctx.merge_call(in_cross_replica, args=(when,))
    return {name: var.read_value() / replicas for name, var in last.items()}


class WGAN(GAN):
    """Algorithm 1 of the paper, with main.py's schedule: generator iteration
    g is a critic phase of Diters(g) critic updates (each on a fresh real
    batch and fresh noise, the weights clipped after each by the layers'
    constraints), then one generator update. A train_step call makes
    n_critic critic updates, so a long phase (100 updates) spans 20 calls;
    the phase's last call also makes the generator update (the others log
    its last values)."""

    architectures = ARCHITECTURES

    def __init__(self, config):
        super().__init__(config)
        apply_constraints(self.critic)  # the code clamps before the first critic update
        # Calls made into the current critic phase (checkpointed: a run may
        # stop inside a long phase).
        self.phase_call = tf.Variable(0, dtype=tf.int64, trainable=False, name="phase_call",
                                      aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
        # The generator's logs at its last update: a call inside a long critic
        # phase runs no generator pass and logs these (to the progress bar only:
        # TensorBoard is written on generator steps). Not checkpointed, so
        # checkpoints keep their format; after a resume they read 0 until the
        # phase ends.
        self.last_generator_logs = {
            name: tf.Variable(0.0, trainable=False, name=f"last_{name}",
                              aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
            for name in ("g_loss", "g_grad_norm")}

    calls_are_generator_steps = False  # a long critic phase spans 20 calls

    @property
    def real_batches_per_step(self):
        return self.config.n_critic

    def checkpoint_items(self):
        return dict(super().checkpoint_items(), phase_call=self.phase_call)

    @staticmethod
    def make_optimizers(cfg):
        rmsprop = lambda: keras.optimizers.RMSprop(cfg.learning_rate, rho=cfg.rmsprop_rho,
                                                   epsilon=cfg.rmsprop_epsilon)
        return rmsprop(), rmsprop()

    def calls_until(self, steps):
        """train_step calls from now until `steps` generator updates are done
        (for timing: the trainer simply runs calls until the step is reached)."""
        cfg = self.config
        calls = -int(self.phase_call.numpy())  # calls of the current phase already made
        for g in range(int(self.step.numpy()), steps):
            calls += cfg.critic_iters(g) // cfg.n_critic
        return max(0, calls)

    def ends_critic_phase(self):
        """Whether this call's critic updates end generator iteration g's
        phase of Diters(g) updates; advances the position in the phase."""
        cfg, g = self.config, self.step
        diters = tf.where(tf.logical_or(g < cfg.long_first, g % cfg.long_every == 0),
                          cfg.long_critic_iters, cfg.n_critic)
        ends = self.phase_call + 1 >= tf.cast(diters // cfg.n_critic, tf.int64)
        self.phase_call.assign(tf.where(ends, tf.constant(0, tf.int64), self.phase_call + 1))
        return ends

    def train_step(self, real):
        cfg = self.config
        for i in range(cfg.n_critic):  # critic updates, each on its own real batch
            logs = self.critic_step(real[:, i], sub=self.phase_call * cfg.n_critic + i)
        phase_done = self.ends_critic_phase()
        # The generator update (forward, backward, update) runs only when the
        # critic phase ends: 1 call in 20 of a long phase.
        logs.update(run_where(phase_done, lambda: self.generator_step(tf.shape(real)[0]),
                              self.last_generator_logs))
        self.step.assign_add(tf.cast(phase_done, tf.int64))
        return self.report(**logs)
