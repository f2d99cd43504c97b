"""Layers and constraints more than one model uses."""

import math

import keras
import tensorflow as tf


class LayerNorm(keras.layers.Layer):
    """Normalises each example over all its units, with a per-channel scale and
    offset: the WGAN-GP code's `Normalize` in WGAN-GP mode (tflib layernorm, ε 1e-5)."""

    def build(self, input_shape):
        channels = input_shape[-1]
        self.scale = self.add_weight(shape=(channels,), initializer="ones", name="scale")
        self.offset = self.add_weight(shape=(channels,), initializer="zeros", name="offset")

    def call(self, x):
        axes = list(range(1, len(x.shape)))
        mean, var = tf.nn.moments(x, axes, keepdims=True)
        return (x - mean) * tf.math.rsqrt(var + 1e-5) * self.scale + self.offset


class Maxout(keras.layers.Layer):
    """Goodfellow et al. 2013's maxout: `units` outputs, each the max of
    `pieces` affine pieces of the input. Weights U(−irange, irange) as
    pylearn2's `irange`; `max_col_norm` caps the L2 norm of each piece's
    weight column after every update (pylearn2's max_col_norm)."""

    def __init__(self, units, pieces, irange, max_col_norm=None, **kwargs):
        super().__init__(**kwargs)
        self.units, self.pieces = units, pieces
        self.irange, self.max_col_norm = irange, max_col_norm

    def build(self, input_shape):
        constraint = (keras.constraints.MaxNorm(self.max_col_norm, axis=0)
                      if self.max_col_norm else None)
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units * self.pieces), name="kernel",
            initializer=keras.initializers.RandomUniform(-self.irange, self.irange),
            constraint=constraint)
        self.bias = self.add_weight(shape=(self.units * self.pieces,), name="bias",
                                    initializer="zeros")

    def call(self, x):
        z = tf.matmul(x, self.kernel) + self.bias
        # pylearn2 groups adjacent columns: unit i is the max over columns i·k … i·k + k − 1.
        return tf.reduce_max(tf.reshape(z, [-1, self.units, self.pieces]), axis=-1)

    def get_config(self):
        return dict(super().get_config(), units=self.units, pieces=self.pieces,
                    irange=self.irange, max_col_norm=self.max_col_norm)


class Clip(keras.constraints.Constraint):
    """Clips every weight into [−c, c] (WGAN's weight clipping). As a Keras
    constraint the optimizer applies it right after each update."""

    def __init__(self, c):
        self.c = c

    def __call__(self, w):
        return tf.clip_by_value(w, -self.c, self.c)

    def get_config(self):
        return {"c": self.c}


def apply_constraints(model):
    """Projects a freshly built model's weights onto their constraints, as
    the optimizer will after each update (the WGAN code clamps before the
    critic's first use)."""
    for v in model.trainable_variables:
        if getattr(v, "constraint", None) is not None:
            v.assign(v.constraint(v))


def leaky_relu(slope=0.2):
    return keras.layers.LeakyReLU(negative_slope=slope)


def batch_norm(momentum, epsilon, gamma_init="ones", **kwargs):
    """BatchNorm with global-batch statistics under a distribution strategy,
    so that N replicas normalise as one device with the whole batch does."""
    return keras.layers.BatchNormalization(momentum=momentum, epsilon=epsilon, synchronized=True,
                                           gamma_initializer=gamma_init, **kwargs)


def normal(std, mean=0.0):
    """A new N(mean, std²) initializer. Make one per weight tensor: a Keras 3
    initializer fixes its seed when made, so every tensor it fills starts
    from the same random stream (equal values in flattened order)."""
    return keras.initializers.RandomNormal(mean, std)


def same_size_deconv(filters, kernel, in_size, out_size, **kwargs):
    """A stride-2 'same' transposed conv from in_size to out_size ∈ {2n−1, 2n}
    (TF's conv2d_transpose with an explicit output shape, as the DCGAN code
    uses to reach odd sizes such as 7 → 14 → 28 from 4)."""
    if out_size not in (2 * in_size - 1, 2 * in_size):
        raise ValueError(f"cannot go from {in_size} to {out_size} with stride 2")
    # Keras 'same': out = 2·in − 2 + k − 2·⌊k/2⌋ + output_padding.
    padding = out_size - (2 * in_size - 2 + kernel - 2 * (kernel // 2))
    return keras.layers.Conv2DTranspose(filters, kernel, strides=2, padding="same",
                                        output_padding=padding, **kwargs)


def halvings(size, n):
    """[size, ⌈size/2⌉, ⌈size/4⌉, …], n + 1 entries: 'same' stride-2 sizes."""
    sizes = [size]
    for _ in range(n):
        sizes.append(math.ceil(sizes[-1] / 2))
    return sizes


class MaxoutConv2D(keras.layers.Layer):
    """pylearn2's MaxoutConvC01B: zero padding, a 'valid' convolution to
    channels × pieces maps (bias per map, its tied_b), the max over each
    channel's pieces, then max pooling whose windows may run past the border
    (cuda-convnet's output size ⌈(n − pool) / stride⌉ + 1, not Keras's floor)."""

    def __init__(self, channels, pieces, kernel, pad, pool, pool_stride, irange, **kwargs):
        super().__init__(**kwargs)
        self.channels, self.pieces, self.kernel, self.pad = channels, pieces, kernel, pad
        self.pool, self.pool_stride, self.irange = pool, pool_stride, irange
        self.conv = keras.layers.Conv2D(channels * pieces, kernel,
                                        kernel_initializer=keras.initializers.RandomUniform(
                                            -irange, irange))

    def build(self, input_shape):
        h, w, c = input_shape[1:]
        self.conv.build((None, h + 2 * self.pad, w + 2 * self.pad, c))

    def pooled_size(self, n):
        return math.ceil((n - self.pool) / self.pool_stride) + 1

    def call(self, x):
        p = self.pad
        z = self.conv(tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]))
        n, h, w = tf.shape(z)[0], z.shape[1], z.shape[2]
        z = tf.reduce_max(tf.reshape(z, [n, h, w, self.channels, self.pieces]), axis=-1)
        extra = [(self.pooled_size(s) - 1) * self.pool_stride + self.pool - s for s in (h, w)]
        z = tf.pad(z, [[0, 0], [0, extra[0]], [0, extra[1]], [0, 0]], constant_values=z.dtype.min)
        return tf.nn.max_pool2d(z, self.pool, self.pool_stride, "VALID")

    def compute_output_shape(self, input_shape):
        detector = [s + 2 * self.pad - self.kernel + 1 for s in input_shape[1:3]]
        return (input_shape[0], *[self.pooled_size(s) for s in detector], self.channels)

    def get_config(self):
        return dict(super().get_config(), channels=self.channels, pieces=self.pieces,
                    kernel=self.kernel, pad=self.pad, pool=self.pool,
                    pool_stride=self.pool_stride, irange=self.irange)


class UntiedBias(keras.layers.Layer):
    """A learned bias for every output value (pylearn2's tied_b: 0)."""

    def build(self, input_shape):
        self.bias = self.add_weight(shape=tuple(input_shape[1:]), initializer="zeros", name="bias")

    def call(self, x):
        return x + self.bias


def residual_block(x, c_in, c_out, resample, norm, conv):
    """A pre-activation residual block (gan_cifar_resnet.py's ResidualBlock):
    shortcut + conv(relu(norm(conv(relu(norm(x)))))). `resample` is "up"
    (nearest-neighbour upsampling before the first convolution: the code's
    UpsampleConv), "down" (2×2 mean pooling after the second: ConvMeanPool)
    or None; `conv(c_in, c_out, k, he=True)` makes a 'same', stride-1
    convolution and `norm()` a normalisation layer."""
    up = keras.layers.UpSampling2D(2) if resample == "up" else None
    pool = keras.layers.AveragePooling2D(2) if resample == "down" else None
    if c_in == c_out and resample is None:
        shortcut = x
    else:  # a 1×1 convolution (tflib he_init=False)
        shortcut = up(x) if up else x
        shortcut = conv(c_in, c_out, 1, he=False)(shortcut)
        shortcut = pool(shortcut) if pool else shortcut
    h = keras.layers.ReLU()(norm()(x))
    h = up(h) if up else h
    h = conv(c_in, c_in if resample == "down" else c_out, 3)(h)
    h = keras.layers.ReLU()(norm()(h))
    h = conv(c_in if resample == "down" else c_out, c_out, 3)(h)
    h = pool(h) if pool else h
    return keras.layers.Add()([shortcut, h])


class SparseNormal(keras.initializers.Initializer):
    """pylearn2's sparse_init for a (fan_in, units) kernel: each unit gets
    `nonzero` weights N(0, stddev²) on distinct inputs drawn at random, the
    others 0 (seeded by Keras's global seed, as every other initialiser)."""

    def __init__(self, nonzero, stddev=1.0):
        self.nonzero, self.stddev = nonzero, stddev

    def __call__(self, shape, dtype=None):
        fan_in = shape[0]
        # The `nonzero` inputs of lowest rank under a uniform draw: distinct,
        # uniformly chosen, per column.
        ranks = keras.ops.argsort(keras.ops.argsort(keras.random.uniform(shape), axis=0), axis=0)
        weights = keras.random.normal(shape, stddev=self.stddev, dtype=dtype)
        return keras.ops.where(ranks < min(self.nonzero, fan_in), weights,
                               keras.ops.zeros_like(weights))

    def get_config(self):
        return dict(nonzero=self.nonzero, stddev=self.stddev)
