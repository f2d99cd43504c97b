"""What every GAN in the zoo shares, so a model file only writes its networks
and its `train_step`:

- randomness inside the step from stateless RNG keyed by (seed, generator
  step, purpose, global example index), sliced per replica, so an update does
  not depend on how the global batch is split;
- losses (zoo.losses, chosen by the config's `loss`) as each replica's share
  of the global-batch mean, so N replicas with global batch B make the update
  one device with batch B makes;
- the generator's update, logs reduced across replicas to one exact value per
  step, the checkpoint's contents and the exported SavedModel's signatures.

The model contract. A model is a subclass of `GAN` that defines
- `architectures`: {config.arch: (make_generator, make_critic)}, each a
  function of the config returning a keras.Model; the base constructor
  builds the pair the config names;
- `make_optimizers(config)` (static): (generator optimizer, critic optimizer);
- `train_step(real)`: one call's updates, from the paper's algorithm box;
  `real` is (batch, real_batches_per_step, ...): one fresh real batch per
  critic update, built from `critic_step` and `generator_step`. It ends
  with `self.step.assign_add(...)` (generator steps done) and returns
  `self.report(...)`; the trainer counts the calls itself;
and, only where it differs from the default,
- `real_batches_per_step` (1): real batches one call consumes;
- `initialize(train_images)`: data-dependent initialisation of a fresh model,
  given the training split's uint8 images when `uses_training_images` holds;
- `critic_penalty(real, fake, sub)`: terms added to the critic's loss
  (WGAN-GP's gradient penalty);
- `calls_are_generator_steps` (True): False where a call may make no
  generator update (WGAN's long critic phases), and `checkpoint_items()`
  for any state of its own (WGAN's position in its phase).
A model's config class and its named instances live in
`zoo/configs/<model>.py`, which also names the model class (`MODEL`), and
that is all the registry needs.
"""

import keras
import tensorflow as tf

from zoo import data, losses
from zoo.errors import UserError

# Purposes of random draws: each gets its own stream.
CRITIC_LATENT, PENALTY_MIX, GENERATOR_LATENT, SAMPLE_LATENT, DROPOUT = 1, 2, 3, 4, 5


def draw_latent(config, n, key):
    """n latent vectors from the config's prior, a pure function of `key`."""
    shape = [n, config.latent_dim]
    if config.latent_dist == "uniform":
        return tf.random.stateless_uniform(shape, key, -config.latent_bound, config.latent_bound)
    return tf.random.stateless_normal(shape, key)


class GAN(keras.Model):
    """A generator, a critic (or discriminator) and an optimizer for each."""

    architectures = {}  # config.arch: (make_generator, make_critic)

    def __init__(self, config, **kwargs):
        super().__init__(name=config.model, **kwargs)
        if config.arch not in self.architectures:
            raise UserError(f"{config.model} has no architecture {config.arch!r}; choose from "
                              f"{', '.join(self.architectures)}")
        make_generator, make_critic = self.architectures[config.arch]
        self.config = config
        self.generator = make_generator(config)
        self.critic = make_critic(config)
        self.d_loss_fn, self.g_loss_fn = losses.get(config.loss)
        # The seed of every in-step draw; checkpointed so that a restored run
        # continues its own random stream.
        self.rng_seed = tf.Variable(config.seed, dtype=tf.int64, trainable=False,
                                    name="rng_seed")
        # Training steps done. Not an optimizer's iteration count: under mixed
        # precision a loss-scaling optimizer skips updates with Inf gradients.
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step",
                                aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
        # The networks are built from their Input layers; marking the GAN built
        # stops Keras from building it by calling it on a batch of real data.
        self.built = True

    def call(self, z, training=False):
        # Keras 3 under a distribution strategy needs call() (keras#20164).
        return self.generator(z, training=training)

    def compile(self, g_optimizer=None, d_optimizer=None, jit_compile=False):
        """Without optimizers, the config's (`make_optimizers`), as the command uses."""
        if (g_optimizer is None) != (d_optimizer is None):
            raise UserError("give both g_optimizer and d_optimizer, or neither (the config's)")
        if g_optimizer is None:
            g_optimizer, d_optimizer = self.make_optimizers(self.config)
        super().compile(jit_compile=jit_compile)
        if self.config.mixed_precision:  # dynamic loss scaling against float16 underflow
            g_optimizer = keras.optimizers.LossScaleOptimizer(g_optimizer)
            d_optimizer = keras.optimizers.LossScaleOptimizer(d_optimizer)
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer
        # Built now, inside the strategy's scope, not lazily inside a replica
        # context where Keras 3 cannot create their slots (keras#20164).
        g_optimizer.build(self.generator.trainable_variables)
        d_optimizer.build(self.critic.trainable_variables)

    # Real batches one training step consumes (WGAN-GP: one per critic step).
    real_batches_per_step = 1

    # Whether one train_step call is one generator step, so that a user's
    # fit(steps_per_epoch=N) trains N steps. WGAN's calls are pieces of critic
    # phases of varying length: only the trainer, which counts them, fits it.
    calls_are_generator_steps = True

    def fit(self, x=None, *args, **kwargs):
        """keras.Model.fit, refusing at once what cannot train this model:
        batches not shaped as zoo.dataset(model) gives them, or (for a model
        whose calls are not generator steps) any call from outside the trainer."""
        name = self.config.model
        if not (self.calls_are_generator_steps or getattr(self, "caller_counts_calls", False)):
            raise UserError(f"{name}'s train_step calls are parts of critic phases of varying "
                            f"length, not generator steps, so fit cannot count them; train it "
                            f"with zoo.train.run({name!r}, ...) or python -m zoo.train "
                            f"--model={name}")
        spec = getattr(x, "element_spec", None)
        want = (self.real_batches_per_step, *data.example_shape(self.config.dataset))
        if isinstance(spec, tf.TensorSpec) and tuple(spec.shape[1:]) != want:
            raise UserError(f"{name}.fit takes batches shaped (batch, {', '.join(map(str, want))}): "
                            f"{want[0]} real batch(es) per train_step; got {tuple(spec.shape)}; "
                            "pass zoo.dataset(model)")
        if spec is not None:
            kwargs.setdefault("shuffle", False)  # the stream is shuffled by seed, resumably
        return super().fit(x, *args, **kwargs)

    # Whether `initialize` needs the training images (loading them costs time).
    uses_training_images = False

    def initialize(self, train_images):
        """Data-dependent initialisation of a fresh (not restored) model, from
        the training split's uint8 images (None unless uses_training_images)."""


    def checkpoint_items(self):
        return dict(generator=self.generator, critic=self.critic,
                    g_optimizer=self.g_optimizer, d_optimizer=self.d_optimizer,
                    step=self.step, rng_seed=self.rng_seed)

    # ---- randomness -------------------------------------------------------

    def _key(self, purpose, sub=0):
        key = tf.stack([self.rng_seed, tf.constant(0, tf.int64)])
        for value in (tf.cast(self.step, tf.int64), purpose, sub):
            key = tf.random.experimental.stateless_fold_in(key, value)
        return key

    @staticmethod
    def _replica_slice(draw_global, local_n):
        """Draws for the whole global batch, returns this replica's rows: row
        j of the global batch gets the same number on any replica layout."""
        ctx = tf.distribute.get_replica_context()
        replicas = ctx.num_replicas_in_sync if ctx else 1
        rid = ctx.replica_id_in_sync_group if ctx else 0
        start = rid * local_n
        return draw_global(local_n * replicas)[start:start + local_n]

    def latent(self, local_n, purpose, sub=0):
        key = self._key(purpose, sub)
        return self._replica_slice(lambda n: draw_latent(self.config, n, key), local_n)

    def uniform(self, local_n, purpose, sub=0, trailing_dims=0, event_shape=None):
        """U[0, 1) of shape [local_n] + event_shape (default [1] * trailing_dims)."""
        key = self._key(purpose, sub)
        event = list(event_shape) if event_shape is not None else [1] * trailing_dims
        return self._replica_slice(lambda n: tf.random.stateless_uniform([n] + event, key), local_n)

    def dropout(self, x, keep, sub, scale=None):
        """Dropout with masks from the stateless streams (so replicas and
        resumed runs draw the masks one device draws): each unit kept with
        probability `keep`, kept units multiplied by `scale` (1/keep)."""
        if keep >= 1.0:
            return x
        mask = self.uniform(tf.shape(x)[0], DROPOUT, sub, event_shape=x.shape[1:]) < keep
        return tf.where(mask, x * (scale or 1.0 / keep), tf.zeros_like(x))

    # ---- losses and logs --------------------------------------------------

    global_mean = staticmethod(losses.global_mean)
    bce = staticmethod(losses.bce)

    @classmethod
    def mean_probability(cls, logits):
        """Share of the global-batch mean of D = sigmoid(logits), for logs."""
        return cls.global_mean(tf.sigmoid(tf.cast(logits, tf.float32)))

    def output_logs(self, real_out, fake_out):
        """What the critic's outputs say, for logs: its Wasserstein estimate
        E[D(x)] − E[D(G(z))] under the Wasserstein loss, the mean D(x) and
        D(G(z)) as probabilities under sigmoid losses, raw means otherwise."""
        if self.config.loss == "wasserstein":
            return dict(wasserstein=self.global_mean(tf.cast(real_out, tf.float32))
                        - self.global_mean(tf.cast(fake_out, tf.float32)))
        if self.config.loss in losses.SIGMOID_LOSSES:
            return dict(d_real=self.mean_probability(real_out),
                        d_fake=self.mean_probability(fake_out))
        return dict(d_real=self.global_mean(tf.cast(real_out, tf.float32)),
                    d_fake=self.global_mean(tf.cast(fake_out, tf.float32)))

    def critic_step(self, real, sub=0):
        """One critic (discriminator) update on a real batch and a fresh fake
        batch, each through the critic separately (BatchNorm statistics per
        batch, as the papers' codes), down the config's critic loss plus the
        model's `critic_penalty`; `sub` keys the noise of the step's sub-th
        critic update."""
        n = tf.shape(real)[0]
        fake = self.generator(self.latent(n, CRITIC_LATENT, sub), training=True)
        with tf.GradientTape() as tape:
            penalty = self.critic_penalty(real, fake, sub)
            real_out, fake_out = self.critic(real, training=True), self.critic(fake, training=True)
            d_loss = self.d_loss_fn(real_out, fake_out)
            for weight, value in penalty.values():
                d_loss += weight * value
        d_grad_norm = self.minimize(self.d_optimizer, tape, d_loss, self.critic.trainable_variables)
        penalties = {name: value for name, (_, value) in penalty.items()}
        return dict(d_loss=d_loss, **penalties, d_grad_norm=d_grad_norm,
                    **self.output_logs(real_out, fake_out))

    def critic_penalty(self, real, fake, sub):
        """{name: (weight, value)} of terms added to the critic's loss (and
        logged by name), computed on the critic's tape: none by default."""
        return {}

    def generator_step(self, n, sub=0):
        """One generator update on fresh noise down the config's generator loss."""
        with tf.GradientTape() as tape:
            fake = self.generator(self.latent(n, GENERATOR_LATENT, sub), training=True)
            g_loss = self.g_loss_fn(self.critic(fake, training=True))
        g_grad_norm = self.minimize(self.g_optimizer, tape, g_loss,
                                    self.generator.trainable_variables)
        return dict(g_loss=g_loss, g_grad_norm=g_grad_norm)

    @staticmethod
    def loss_scale(optimizer):
        """The factor the optimizer scales losses by (1 without mixed precision)."""
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            return tf.cast(optimizer.dynamic_scale, tf.float32)
        return tf.constant(1.0)

    def minimize(self, optimizer, tape, loss, variables):
        """One update of `variables` down `loss`'s gradient (scaled and
        unscaled around float16 when mixed precision is on); returns the
        gradient norm share (see `gradient_norm`)."""
        scale = self.loss_scale(optimizer)
        grads = tape.gradient(loss, variables, output_gradients=scale)  # = ∇(scale·loss)
        optimizer.apply_gradients(zip(grads, variables))
        norm = self.gradient_norm(grads) / scale
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            # Inf/NaN gradients are expected while the loss scale settles; the
            # optimizer skips them (applies nothing), reported as norm 0.
            norm = tf.where(tf.math.is_finite(norm), norm, tf.zeros_like(norm))
        return norm

    @staticmethod
    def gradient_norm(grads):
        """This replica's share (see `report`) of the global L2 norm of the
        gradient the optimizer applies, which is the sum of the replicas'
        gradients: one extra all-reduce, only when replicas > 1."""
        ctx = tf.distribute.get_replica_context()
        replicas = ctx.num_replicas_in_sync if ctx else 1
        if replicas > 1:
            grads = ctx.all_reduce(tf.distribute.ReduceOp.SUM, grads)
        return tf.linalg.global_norm(grads) / replicas

    @staticmethod
    def report(**shares):
        """Logs from replica shares (see `global_mean`): summed across replicas
        to one global value each. Multi-worker Keras reduces logs along axis 0,
        so there they get a leading axis."""
        ctx = tf.distribute.get_replica_context()
        if ctx and ctx.num_replicas_in_sync > 1:
            shares = ctx.all_reduce(tf.distribute.ReduceOp.SUM, shares)
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            shares = {k: tf.reshape(v, [1]) for k, v in shares.items()}
        return shares

    # ---- sampling and export ----------------------------------------------

    def sample(self, n, seed=0):
        """n examples from a noise bank fixed by `seed` (not by the step)."""
        z = draw_latent(self.config, n, tf.constant([seed, SAMPLE_LATENT], tf.int64))
        return self.generator(z, training=False)

    def serving_module(self):
        """A tf.Module whose signatures need no zoo import to load or call."""
        return ExportedGenerator(self.generator, self.config)


class ExportedGenerator(tf.Module):
    """The generator as a SavedModel: `serving_default` maps a latent batch
    `z` to `images`; `sample(n, seed)` draws z from the model's prior."""

    def __init__(self, generator, config):
        super().__init__()
        self.generator = generator
        # Variables, so that they are saved: what a user needs to call it.
        self.latent_dim = tf.Variable(config.latent_dim, trainable=False)
        self.value_range = tf.Variable(config.value_range, trainable=False, dtype=tf.float32)
        self.latent_dist = tf.Variable(config.latent_dist, trainable=False)
        self.config_json = tf.Variable(config.to_json(), trainable=False)  # what it was trained as
        dim = config.latent_dim

        @tf.function(input_signature=[tf.TensorSpec([None, dim], tf.float32, name="z")])
        def serve(z):
            return {"images": generator(z, training=False)}

        @tf.function(input_signature=[tf.TensorSpec([], tf.int32, name="n"),
                                      tf.TensorSpec([], tf.int64, name="seed")])
        def sample(n, seed):
            z = draw_latent(config, n, tf.stack([seed, tf.constant(SAMPLE_LATENT, tf.int64)]))
            return {"images": generator(z, training=False), "z": z}

        self.serve = serve
        self.sample = sample

    def signatures(self):
        return {"serving_default": self.serve, "sample": self.sample}
