"""`synthkit.CommitteeClassifier` on the output of `synthkit augment` in committee mode (a slice
of the real ai4i data, two quick generators): one classifier per member, each trained on the real
rows plus that member's rows with their weights, probabilities averaged."""

import subprocess

import numpy as np
import pandas as pd
import pytest
from conftest import AI4I_TARGET, DATASETS
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from synthkit import CommitteeClassifier, SynthkitError


def _model() -> object:
    numeric = ["Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]", "Torque [Nm]", "Tool wear [min]"]
    enc = ColumnTransformer([("type", OneHotEncoder(handle_unknown="ignore"), ["Type"]), ("num", StandardScaler(), numeric)])
    return make_pipeline(enc, LogisticRegression(max_iter=500))


class Recording(ClassifierMixin, BaseEstimator):
    """A classifier that remembers the rows and weights it was fitted on (then fits the pipeline)."""

    def __init__(self):
        pass

    def fit(self, X, y, sample_weight=None):
        self.index_ = list(X.index)
        self.weight_ = None if sample_weight is None else np.asarray(sample_weight)
        self.model_ = _model().fit(X, y, logisticregression__sample_weight=sample_weight)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)


@pytest.fixture(scope="module")
def augmented(tmp_path_factory, synthkit_bin):
    d = tmp_path_factory.mktemp("committee")
    lines = (DATASETS / "ai4i_machine_failure" / "train.csv").read_text().splitlines()
    train = d / "train.csv"
    train.write_text("\n".join(lines[:3001]) + "\n")
    gens = []
    for kind in ("copula", "tvae"):
        transform = '[transform]\ncontinuous = "quantile"\n' if kind == "copula" else ""
        p = d / f"{kind}.toml"
        p.write_text(
            f'[data]\ntrain = "{train}"\ntest = "{d / "none.csv"}"\ntarget = "{AI4I_TARGET}"\npositive = "1"\n'
            f'categorical = ["Type", "{AI4I_TARGET}"]\n\n{transform}[model]\nkind = "{kind}"\n\n[train]\ncheckpoint_every = 0\n'
        )
        gens.append(f'"{p}"')
    cfg = d / "augment.toml"
    cfg.write_text(
        f'mode = "committee"\nseed = 1\nwork = "{d / "work"}"\nepochs = 1\n'
        f'classifiers = [{{ kind = "gradient_boosting", iterations = 30 }}]\ngenerators = [{", ".join(gens)}]\n\n'
        '[arms]\nratios = [1.0]\noversamplers = [{ method = "smote" }]\nvariant_ratios = [1.0]\n'
    )
    out = d / "augmented.csv"
    # --force-augment: the best committee whether or not it clears the margin on this small slice.
    subprocess.run([synthkit_bin, "augment", "--config", str(cfg), "--out", str(out), "--quiet", "--force-augment"], check=True, capture_output=True)
    return pd.read_csv(out), pd.read_csv(train)


def test_each_member_trains_on_the_real_rows_and_its_own(augmented):
    df, train = augmented
    X, y, member, w = CommitteeClassifier.from_augmented(df, AI4I_TARGET)
    assert list(X.columns) == [c for c in train.columns if c != AI4I_TARGET]
    shared = member.isna().to_numpy()
    assert shared.sum() == len(train) and not shared[len(train):].any()
    names = list(dict.fromkeys(member[~shared]))
    assert sorted(names) == ["copula", "tvae"]
    committee = CommitteeClassifier(Recording()).fit(X, y, member, sample_weight=w)
    assert committee.members_ == names and len(committee.estimators_) == 2
    for name, est in zip(names, committee.estimators_):
        rows = np.flatnonzero(shared | (member == name).to_numpy())
        assert est.index_ == list(rows), name
        np.testing.assert_array_equal(est.weight_, w[rows])
    # The committee's probability is its members' mean: each member refitted alone.
    test = X.iloc[:500]
    alone = [clone(Recording()).fit(X.iloc[np.flatnonzero(shared | (member == n).to_numpy())], y[shared | (member == n).to_numpy()],
                                    sample_weight=w[shared | (member == n).to_numpy()]).predict_proba(test) for n in names]
    np.testing.assert_allclose(committee.predict_proba(test), np.mean(alone, axis=0), rtol=1e-12, atol=1e-12)
    assert set(committee.predict(test)) <= set(committee.classes_)


def test_a_pipeline_takes_the_weights_and_errors_name_the_fix(augmented):
    df, _ = augmented
    X, y, member, w = CommitteeClassifier.from_augmented(df, AI4I_TARGET)
    committee = CommitteeClassifier(_model()).fit(X, y, member, sample_weight=w)
    p = committee.predict_proba(X.iloc[:50])
    assert p.shape == (50, 2) and np.allclose(p.sum(axis=1), 1.0)
    with pytest.raises(SynthkitError, match="synthkit_member"):
        CommitteeClassifier.from_augmented(df.drop(columns=["synthkit_member"]), AI4I_TARGET)
    with pytest.raises(SynthkitError, match="shared row"):
        CommitteeClassifier().fit(X.iloc[len(X) - 5:], y.iloc[len(X) - 5:], member.iloc[len(X) - 5:])
