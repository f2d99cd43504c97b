"""The zoo's train steps against plain keras-io-style steps on the same networks.

    python benchmarks/vs_keras_io.py                              # the four MNIST configs
    python benchmarks/vs_keras_io.py --configs=wgan_gp/mnist --repeats=9 --steps=5

The plain steps are written the way the keras-io examples write theirs
(wgan_gp.py, dcgan_overriding_train_step.py): `tf.random.normal` noise, the
critic called on real and fake batches separately (each its own call, so
BatchNorm statistics stay per batch, as the papers' codes have them), the
penalty from a nested tape, `apply_gradients`, two logs. They run the zoo's
own networks, optimizers, batch, n_critic and input pipeline, so the two
columns differ only in the step. Both are timed in this process, alternately
(zoo, plain, zoo, plain, …: `--repeats` rounds), each round `--steps` steps through `fit` after a
warm-up; the ratio is taken per round (plain seconds / zoo seconds: above 1,
the zoo is faster) and the median printed.

FLOPs are counted on the traced step graph: 2 × the multiply-adds of every
MatMul and convolution op in it (forward and both backprops; see `op_flops`),
only the ops that run (`executed_ops`: a function body pruned as TensorFlow
prunes it), elementwise ops left out. "of peak" sets the FLOPs a step sustains per
second against this machine's float32 matmul rate, measured here on 2048 ×
2048 matrices.

WGAN runs in its steady state (every critic phase n_critic updates: one call
makes one generator update); its long phases are timed by zoo.bench.
"""

import zoo  # noqa: F401  (before TensorFlow: the zoo's process settings)

import statistics
import sys
import time

import keras
import tensorflow as tf
from absl import app, flags

from zoo import models, training
from zoo.bench import Clock, fit_rate

flags.DEFINE_list("configs", ["wgan_gp/mnist", "dcgan/mnist", "wgan/mnist", "gan/mnist"],
                  "model/dataset pairs to time.")
# --steps (per round; gan/mnist runs 20× as many), --repeats (the alternating
# rounds) and --data_dir are zoo.bench's flags.
FLAGS = flags.FLAGS


# ---- the plain steps -------------------------------------------------------------------------

class PlainGAN(keras.Model):
    """The shape every keras-io GAN step shares: networks, two optimizers."""

    def __init__(self, zoo_model):
        super().__init__()
        cfg = self.cfg = zoo_model.config
        make_generator, make_critic = zoo_model.architectures[cfg.arch]
        self.generator, self.critic = make_generator(cfg), make_critic(cfg)
        self.g_opt, self.d_opt = zoo_model.make_optimizers(cfg)
        self.g_opt.build(self.generator.trainable_variables)
        self.d_opt.build(self.critic.trainable_variables)

    def call(self, z):
        return self.generator(z)

    def noise(self, n):
        return tf.random.normal([n, self.cfg.latent_dim])

    def update(self, opt, tape, loss, net):
        grads = tape.gradient(loss, net.trainable_variables)
        opt.apply_gradients(zip(grads, net.trainable_variables))


class PlainWGAN(PlainGAN):
    """keras-io wgan_gp.py's loop: n_critic critic steps (here on fresh real
    batches; WGAN's critic constraints clip its weights after each update),
    then a generator step."""

    def critic_loss(self, real, fake):
        return tf.reduce_mean(self.critic(fake, training=True)) - tf.reduce_mean(
            self.critic(real, training=True))

    def train_step(self, real):
        n = tf.shape(real)[0]
        for i in range(self.cfg.n_critic):
            with tf.GradientTape() as tape:
                d_loss = self.critic_loss(real[:, i], self.generator(self.noise(n), training=True))
            self.update(self.d_opt, tape, d_loss, self.critic)
        with tf.GradientTape() as tape:
            g_loss = -tf.reduce_mean(self.critic(self.generator(self.noise(n), training=True),
                                                 training=True))
        self.update(self.g_opt, tape, g_loss, self.generator)
        return {"d_loss": d_loss, "g_loss": g_loss}


class PlainWGANGP(PlainWGAN):
    """WGAN's loop with keras-io wgan_gp.py's penalty from a nested tape."""

    def critic_loss(self, real, fake):
        alpha = tf.random.uniform([tf.shape(real)[0]] + [1] * (len(real.shape) - 1))
        mixed = real + alpha * (fake - real)
        with tf.GradientTape() as tape:
            tape.watch(mixed)
            out = self.critic(mixed, training=True)
        grads = tape.gradient(out, mixed)
        norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=list(range(1, len(real.shape)))))
        penalty = tf.reduce_mean((norm - 1.0) ** 2)
        return super().critic_loss(real, fake) + self.cfg.gp_weight * penalty


class PlainDCGAN(PlainGAN):
    """keras-io dcgan_overriding_train_step.py, with D called on the real and
    the fake batch separately: a discriminator step, then a generator step."""

    bce = keras.losses.BinaryCrossentropy(from_logits=True)

    def train_step(self, real):
        real = real[:, 0]
        n = tf.shape(real)[0]
        fake = self.generator(self.noise(n), training=True)
        with tf.GradientTape() as tape:
            real_logits = self.critic(real, training=True)
            fake_logits = self.critic(fake, training=True)
            d_loss = (self.bce(tf.ones_like(real_logits), real_logits)
                      + self.bce(tf.zeros_like(fake_logits), fake_logits))
        self.update(self.d_opt, tape, d_loss, self.critic)
        with tf.GradientTape() as tape:
            logits = self.critic(self.generator(self.noise(n), training=True), training=True)
            g_loss = self.bce(tf.ones_like(logits), logits)
        self.update(self.g_opt, tape, g_loss, self.generator)
        return {"d_loss": d_loss, "g_loss": g_loss}


class PlainGoodfellowGAN(PlainGAN):
    """The original GAN's simultaneous update in the same style: one forward
    pass, both gradients from it; dropout on the input of each D layer with
    weights (tf.nn.dropout), D's loss halved as pylearn2's AdversaryCost2."""

    def discriminate(self, x):
        first = next(l for l in self.critic.layers if l.weights)
        for layer in self.critic.layers:
            if layer.weights:
                keep = self.cfg.input_keep if layer is first else self.cfg.hidden_keep
                x = tf.nn.dropout(x, rate=1.0 - keep) if keep < 1 else x
            x = layer(x, training=True)
        return x

    def train_step(self, real):
        real = real[:, 0]
        z = tf.random.uniform([tf.shape(real)[0], self.cfg.latent_dim],
                              -self.cfg.latent_bound, self.cfg.latent_bound)
        with tf.GradientTape(persistent=True) as tape:
            fake = self.generator(z, training=True)
            real_logits, fake_logits = self.discriminate(real), self.discriminate(fake)
            d_loss = 0.5 * (tf.reduce_mean(tf.nn.softplus(-real_logits))
                            + tf.reduce_mean(tf.nn.softplus(fake_logits)))
            g_loss = tf.reduce_mean(tf.nn.softplus(-fake_logits))  # −log D(G(z)), the code's
        self.update(self.d_opt, tape, d_loss, self.critic)
        self.update(self.g_opt, tape, g_loss, self.generator)
        del tape
        return {"d_loss": d_loss, "g_loss": g_loss}


PLAIN = {"wgan_gp": PlainWGANGP, "wgan": PlainWGAN, "dcgan": PlainDCGAN, "gan": PlainGoodfellowGAN}


# ---- FLOPs and the matmul rate ---------------------------------------------------------------

def op_flops(op):
    """Multiply-adds × 2 of a MatMul or a convolution op (forward, or either
    backprop): 2·k_h·k_w·c_in·c_out per position of the forward convolution's
    output, padded taps included as the kernels compute them. (TensorFlow's
    own profiler counts a backprop-to-input per position of the larger map:
    49× too much for a 7×7 kernel on a 1×1 map, as WGAN's nets have.)"""
    if op.type == "MatMul":
        a, out = op.inputs[0].shape, op.outputs[0].shape
        inner = a[0] if op.get_attr("transpose_a") else a[1]
        return 2 * out[0] * out[1] * inner
    if op.type == "Conv2D":
        kernel, out = op.inputs[1].shape, op.outputs[0].shape
    elif op.type == "Conv2DBackpropInput":
        kernel, out = op.inputs[1].shape, op.inputs[2].shape
    elif op.type == "Conv2DBackpropFilter":
        kernel, out = op.outputs[0].shape, op.inputs[2].shape
    else:
        return 0
    return 2 * kernel.num_elements() * out[:-1].num_elements()  # NHWC: N·H·W positions


def executed_ops(graph):
    """The ops of a function graph that run: those feeding its outputs or a
    stateful op (a variable update), as TensorFlow prunes a function body;
    gradient ops nothing reads are dropped."""
    stack = [op for op in graph.get_operations() if op.op_def.is_stateful]
    stack += [t.op for t in graph.outputs]
    seen = set()
    while stack:
        op = stack.pop()
        if op not in seen:
            seen.add(op)
            stack += [t.op for t in op.inputs] + list(op.control_inputs)
    return seen


def step_flops(model, batch):
    """FLOPs of one train_step on `batch`: the MatMuls and convolutions
    that run in its traced graph (elementwise ops left out: under 1 % on
    wgan/mnist by TensorFlow's profiler)."""
    graph = tf.function(model.train_step).get_concrete_function(batch).graph
    return sum(op_flops(op) for op in executed_ops(graph))


def matmul_rate(n=2048, repeats=7):
    """float32 FLOP/s of an n × n matmul: the median of `repeats` timings."""
    a = tf.random.stateless_normal([n, n], [0, 1])
    mm = tf.function(lambda a: tf.reduce_sum(tf.matmul(a, a)))
    mm(a).numpy()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        mm(a).numpy()
        times.append(time.perf_counter() - start)
    return 2 * n ** 3 / statistics.median(times)


# ---- the comparison --------------------------------------------------------------------------

def compare(name, peak):
    model_name, dataset = name.split("/")
    config = models.get(model_name, dataset)
    if model_name == "wgan":  # the steady state: every phase one call
        config = config.replace(long_critic_iters=config.n_critic)
    zoo_model = training.build(config)
    plain = PLAIN[model_name](zoo_model)
    plain.compile(jit_compile=False)
    data = training.train_dataset(zoo_model, FLAGS.data_dir).repeat()
    batch = next(iter(data))
    flops = step_flops(zoo_model, batch), step_flops(plain, batch)
    steps = FLAGS.steps * (20 if model_name == "gan" else 1)
    clock = Clock()
    for m in (zoo_model, plain):  # tracing and warm-up
        fit_rate(m, data, 2, clock)
    rates = {"zoo": [], "plain": []}
    for _ in range(FLAGS.repeats):
        rates["zoo"].append(fit_rate(zoo_model, data, steps, clock))
        rates["plain"].append(fit_rate(plain, data, steps, clock))
    ratios = [z / p for z, p in zip(rates["zoo"], rates["plain"])]
    zoo_rate, plain_rate = statistics.median(rates["zoo"]), statistics.median(rates["plain"])
    print(f"{name:<14} {zoo_rate:8.3f} {plain_rate:8.3f} {statistics.median(ratios):6.3f}×"
          f" ({min(ratios):.3f}–{max(ratios):.3f}) {flops[0] / 1e9:7.2f} {flops[1] / 1e9:7.2f}"
          f" {zoo_rate * flops[0] / peak:7.1%} {plain_rate * flops[1] / peak:7.1%}")
    sys.stdout.flush()


def main(argv):
    del argv
    tf.config.experimental.enable_op_determinism()  # as zoo.train runs; both columns alike
    tf.random.set_seed(0)
    peak = matmul_rate()
    print(f"TF {tf.__version__}, Keras {keras.__version__}; float32 matmul 2048²: "
          f"{peak / 1e9:.1f} GFLOP/s (median of 7); {FLAGS.repeats} rounds of {FLAGS.steps} steps")
    print(f"{'config':<14} {'zoo/s':>8} {'plain/s':>8} {'zoo÷plain':>22} "
          f"{'GF zoo':>7} {'GF pl.':>7} {'zoo pk':>7} {'pl. pk':>7}")
    for name in FLAGS.configs:
        compare(name, peak)
    return 0


if __name__ == "__main__":
    app.run(lambda argv: sys.exit(main(argv)))
