"""Domain classifiers: small CNNs used as feature extractors for the
classifier score and the classifier Fréchet distance of generated samples
(the recipe of TF-GAN's `mnist_score` / `mnist_frechet_distance`: the
Inception-score formula on the classifier's predictions, the Fréchet
distance of its 10-d logits). They are not Inception: never call these FID.

    python -m zoo.classifiers --dataset=mnist        # train, test, ship

writes `zoo/classifiers/<dataset>/` (a SavedModel: `serving_default` maps
images in [0, 1] to `logits`) and `zoo/classifiers/<dataset>.json` (test
accuracy, training settings, the SavedModel's sha256). `load` verifies the
hash before use.
"""

import json
import os
import sys

import numpy as np

CLASSIFIER_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "classifiers")
EPOCHS, BATCH, LEARNING_RATE, SEED = 5, 128, 1e-3, 0


def build(shape, classes=10):
    """(conv 3×3 32) ×2, pool, (conv 3×3 64) ×2, pool, dropout, linear: ~75k parameters."""
    import keras
    conv = lambda c: keras.layers.Conv2D(c, 3, activation="relu")
    return keras.Sequential([
        keras.Input(shape),
        conv(32), conv(32), keras.layers.MaxPooling2D(),
        conv(64), conv(64), keras.layers.MaxPooling2D(),
        keras.layers.Flatten(), keras.layers.Dropout(0.5),
        keras.layers.Dense(classes),
    ], name="classifier")


def train(dataset, data_dir=None, epochs=EPOCHS):
    """Trains on train_full, returns (model, test accuracy)."""
    import keras
    import tensorflow as tf
    from zoo import data
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    arrays = data.load_arrays(dataset, data_dir)
    scale = lambda x: (x[..., None] if x.ndim == 3 else x).astype(np.float32) / 255.0
    (x, y), (x_test, y_test) = arrays["train_full"], arrays["test"]
    model = build(data.example_shape(dataset))
    model.compile(keras.optimizers.Adam(LEARNING_RATE),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(scale(x), y.astype(np.int64), batch_size=BATCH, epochs=epochs, verbose=2)
    _, accuracy = model.evaluate(scale(x_test), y_test.astype(np.int64), verbose=0)
    return model, float(accuracy)


def export(model, dataset, accuracy, epochs):
    import tensorflow as tf
    from zoo.data.formats import directory_digest
    from zoo.files import write_atomic
    directory = os.path.join(CLASSIFIER_DIR, dataset)
    module = tf.Module()
    module.model = model

    @tf.function(input_signature=[tf.TensorSpec([None, *model.input_shape[1:]], tf.float32,
                                                name="images")])
    def serve(images):
        return {"logits": model(images, training=False)}
    tf.saved_model.save(module, directory, signatures={"serving_default": serve})
    record = dict(dataset=dataset, test_accuracy=accuracy, epochs=epochs, batch_size=BATCH,
                  learning_rate=LEARNING_RATE, seed=SEED, parameters=model.count_params(),
                  input="images in [0, 1], shape " + str(tuple(model.input_shape[1:])),
                  sha256=directory_digest(directory),
                  command=f"python -m zoo.classifiers --dataset={dataset}")
    write_atomic(os.path.join(CLASSIFIER_DIR, f"{dataset}.json"), json.dumps(record, indent=2) + "\n")
    return record


def available(dataset):
    return os.path.exists(os.path.join(CLASSIFIER_DIR, f"{dataset}.json"))


def shipped():
    """Datasets with a shipped classifier: a record beside its SavedModel."""
    return sorted(name[:-len(".json")] for name in os.listdir(CLASSIFIER_DIR)
                  if name.endswith(".json") and os.path.isdir(os.path.join(CLASSIFIER_DIR,
                                                                           name[:-len(".json")])))


def load(dataset):
    """The shipped classifier of `dataset`, its files checked against the recorded sha256."""
    import tensorflow as tf
    from zoo.data.formats import directory_digest
    with open(os.path.join(CLASSIFIER_DIR, f"{dataset}.json")) as f:
        record = json.load(f)
    directory = os.path.join(CLASSIFIER_DIR, dataset)
    digest = directory_digest(directory)
    if digest != record["sha256"]:
        raise ValueError(f"{directory} has sha256 {digest}, not the recorded {record['sha256']}; "
                         f"retrain it with {record['command']}")
    return tf.saved_model.load(directory).signatures["serving_default"]


def logits(classifier, images, batch_size=1000):
    """Logits of images in [0, 1], in batches."""
    import tensorflow as tf
    out = [classifier(images=tf.constant(images[i:i + batch_size], tf.float32))["logits"].numpy()
           for i in range(0, len(images), batch_size)]
    return np.concatenate(out).astype(np.float64)


def classifier_metrics(classifier, samples, real):
    """Classifier score (mean over 10 splits) and classifier Fréchet distance of logits."""
    from zoo import metrics
    fake_logits, real_logits = logits(classifier, samples), logits(classifier, real)
    probabilities = np.exp(fake_logits - fake_logits.max(1, keepdims=True))
    probabilities /= probabilities.sum(1, keepdims=True)
    score, _ = metrics.inception_score(probabilities, splits=min(10, len(samples)))
    return {"classifier_score": score,
            "classifier_frechet_distance": metrics.frechet_distance(fake_logits, real_logits)}


def main(argv):
    from absl import flags
    from zoo.errors import UserError, report
    del argv
    try:
        model, accuracy = train(flags.FLAGS.dataset, flags.FLAGS.data_dir, flags.FLAGS.epochs)
    except UserError as e:  # before anything is written
        return report(e)
    print(f"test accuracy {accuracy:.4f}")
    if flags.FLAGS.dataset == "mnist" and accuracy < 0.99:
        print("error: MNIST classifier below 99% test accuracy; not shipped", file=sys.stderr)
        return 1
    print(json.dumps(export(model, flags.FLAGS.dataset, accuracy, flags.FLAGS.epochs), indent=2))
    return 0


if __name__ == "__main__":
    from absl import app, flags
    from zoo import datasets
    from zoo.errors import parse_absl_flags
    flags.DEFINE_enum("dataset", "mnist", list(datasets.names(classifier=True)), "Dataset.")
    flags.DEFINE_string("data_dir", None, "Directory holding the dataset (see zoo.data).")
    flags.DEFINE_integer("epochs", EPOCHS, "Training epochs.", lower_bound=1)
    app.run(lambda argv: sys.exit(main(argv)), flags_parser=parse_absl_flags)
