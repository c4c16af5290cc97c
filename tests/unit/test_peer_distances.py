"""Distances to the cluster centres are measured a block of rows at a time (memory at
100,000 enterprises); they equal the whole-array computation (up to the order of floating
point additions), and every enterprise keeps its cluster."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import assessment
from assessment import peers


@pytest.fixture(scope="module")
def model_and_frame():
    qset = assessment.load_questionnaires()
    features = list(peers.feature_columns(qset))
    rng = np.random.default_rng(4)
    scores = rng.uniform(0, 100, size=(120, len(features))).round(1)
    scores[rng.random(scores.shape) < 0.1] = np.nan  # unanswered areas: imputed
    frame = pd.DataFrame(scores, columns=features)
    frame["industry"], frame["size_class"], frame["city"] = "other", "small", "taiyuan"
    return peers.fit_peer_model(frame, qset, k_range=(3, 4)), frame


@pytest.mark.parametrize("rows", [1, 7, 4096])
def test_distances_in_blocks_equal_the_whole_array(model_and_frame, monkeypatch, rows):
    model, frame = model_and_frame
    monkeypatch.setattr(peers, "TRANSFORM_ROWS", rows)
    est = model.estimator
    X = model.matrix(frame)
    Z = (X.to_numpy() - est.mean_) / est.scale_
    whole = np.sqrt(((Z[:, None, :] - est.centers_scaled_[None, :, :]) ** 2).sum(axis=2))
    np.testing.assert_allclose(est.transform(X), whole, rtol=1e-12)
    assert np.array_equal(model.assign(frame), whole.argmin(axis=1))
