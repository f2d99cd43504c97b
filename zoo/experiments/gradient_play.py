"""4. Non-convergence of gradient play on V(x, y) = x·y.

x minimises V and y maximises it; the only equilibrium is (0, 0). With step η:
- simultaneous steps, (x, y) ← (x − η·y, y + η·x), are the linear map
  [[1, −η], [η, 1]] = sqrt(1 + η²)·(a rotation): every step multiplies the
  distance to the equilibrium by exactly sqrt(1 + η²), so the iterates spiral
  out, for every η > 0;
- alternating steps, x ← x − η·y, then y ← y + η·x with the new x, are
  [[1, −η], [η, 1 − η²]] (determinant 1), which preserves the modified energy
  H(x, y) = x² + y² − η·x·y. For η < 2, H is positive definite (eigenvalues
  1 ± η/2), so the iterates stay on an ellipse: they orbit, neither
  converging nor diverging: ‖(x, y)‖² ≤ H / (1 − η/2), which from (1, 0)
  (H = 1) bounds the distance by 1 / sqrt(1 − η/2). At η ≥ 2 they diverge
  (the map's trace 2 − η² leaves [−2, 2]).

The gradients are TensorFlow's (autodiff of V in float64), the updates plain
gradient descent for x and ascent for y; the closed forms above are what the
measured numbers are compared with.
"""

import math

import numpy as np
import tensorflow as tf

from zoo.experiments import common

NAME = "gradient_play"
START = (1.0, 0.0)


def value(x, y):
    return x * y


@tf.function
def play(eta, steps, alternating):
    """The trajectory [(x, y)] of `steps` gradient steps from START, float64."""
    x, y = tf.constant(START[0], tf.float64), tf.constant(START[1], tf.float64)
    path = tf.TensorArray(tf.float64, size=steps + 1).write(0, tf.stack([x, y]))
    for t in tf.range(steps):
        with tf.GradientTape(persistent=True) as tape:
            tape.watch([x, y])
            v = value(x, y)
        dx, dy = tape.gradient(v, x), tape.gradient(v, y)
        if alternating:
            x = x - eta * dx
            with tf.GradientTape() as tape:  # y's gradient at the new x
                tape.watch(y)
                v = value(x, y)
            y = y + eta * tape.gradient(v, y)
        else:
            x, y = x - eta * dx, y + eta * dy
        path = path.write(t + 1, tf.stack([x, y]))
    return path.stack()


def trajectory(eta, steps, alternating):
    return play(tf.constant(eta, tf.float64), tf.constant(steps), tf.constant(alternating)).numpy()


def energy(path, eta):
    return path[:, 0] ** 2 + path[:, 1] ** 2 - eta * path[:, 0] * path[:, 1]


def measure(eta, steps):
    """Simultaneous: the measured growth per step against sqrt(1 + η²).
    Alternating: the drift of H and the largest distance against the bound."""
    sim = trajectory(eta, steps, False)
    alt = trajectory(eta, steps, True)
    r_sim, r_alt = np.linalg.norm(sim, axis=1), np.linalg.norm(alt, axis=1)
    h = energy(alt, eta)
    bounded = eta < 2
    return dict(eta=eta, steps=steps,
                simultaneous_growth_per_step=float(np.exp(np.mean(np.diff(np.log(r_sim))))),
                simultaneous_growth_closed_form=math.sqrt(1 + eta ** 2),
                simultaneous_final_distance=float(r_sim[-1]),
                simultaneous_final_closed_form=(1 + eta ** 2) ** (steps / 2),
                alternating_energy_relative_drift=float(np.max(np.abs(h - h[0])) / h[0]),
                alternating_max_distance=float(r_alt.max()),
                alternating_min_distance=float(r_alt.min()),
                # ‖z‖² ≤ H / (1 − η/2), H conserved at its starting value.
                alternating_bound=math.sqrt(h[0] / (1 - eta / 2)) if bounded else math.inf)


def run(out_dir, size="full", seed=0):
    del seed  # deterministic: no randomness at all
    steps = common.pick(size, 400, 200)
    etas = common.pick(size, [0.01, 0.03, 0.1, 0.3, 0.5, 1.0, 1.5, 1.9, 2.1],
                       [0.1, 0.5, 1.9, 2.1])
    rows = [measure(eta, steps) for eta in etas]
    shown = 0.1
    paths = {"simultaneous": trajectory(shown, steps, False),
             "alternating": trajectory(shown, steps, True)}
    numbers = dict(start=START, shown_eta=shown, rows=rows)
    return common.finish(out_dir, NAME, plot(paths, shown, rows), numbers, size, 0)


def plot(paths, eta, rows):
    fig, axes = common.figure(3, width=3.6)
    ax = axes[0, 0]
    for name, style in (("simultaneous", "C3"), ("alternating", "C0")):
        ax.plot(paths[name][:, 0], paths[name][:, 1], style, lw=0.8, label=name)
    ax.plot(*START, "ko", ms=3)
    ax.plot(0, 0, "k*", ms=6, label="equilibrium")
    ax.set_aspect("equal")
    ax.set_title(f"trajectories, η = {eta}", fontsize=8)
    ax.legend(fontsize=6)
    ax = axes[0, 1]
    steps = np.arange(len(paths["simultaneous"]))
    for name, style in (("simultaneous", "C3"), ("alternating", "C0")):
        ax.plot(steps, np.linalg.norm(paths[name], axis=1), style, label=name)
    ax.plot(steps, (1 + eta ** 2) ** (steps / 2), "k:", label="sqrt(1 + η²)^t")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_title("distance to the equilibrium", fontsize=8)
    ax.legend(fontsize=6)
    ax = axes[0, 2]
    etas = [r["eta"] for r in rows]
    dense = np.linspace(min(etas), max(etas), 200)
    ax.plot(etas, [r["simultaneous_growth_per_step"] for r in rows], "C3o", label="simultaneous: growth / step")
    ax.plot(dense, np.sqrt(1 + dense ** 2), "C3", lw=0.8, label="sqrt(1 + η²)")
    top = 10.0  # diverged runs (alternating at η ≥ 2) drawn as ▲ at the top
    alt = np.array([r["alternating_max_distance"] for r in rows])
    ax.plot(np.array(etas)[alt <= top], alt[alt <= top], "C0s",
            label=f"alternating: max distance in {rows[0]['steps']} steps")
    ax.plot(np.array(etas)[alt > top], np.full((alt > top).sum(), top), "C0^",
            label="alternating, diverged (off the scale)")
    below = dense[dense < 1.99]
    ax.plot(below, 1 / np.sqrt(1 - below / 2), "C0", lw=0.8, label="bound 1 / sqrt(1 − η/2)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(0.9, top * 1.3)
    ax.set_xlabel("step size η")
    ax.set_title("the effect of the step size", fontsize=8)
    ax.legend(fontsize=6)
    return fig
