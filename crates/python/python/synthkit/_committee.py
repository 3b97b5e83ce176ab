"""`CommitteeClassifier`: train and average the members of a ``synthkit augment`` committee."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from ._synthkit import SynthkitError

MEMBER_COLUMN = "synthkit_member"
WEIGHT_COLUMN = "synthkit_weight"
SYNTHETIC_COLUMN = "synthkit_synthetic"


def _shared(member: pd.Series) -> np.ndarray:
    """Rows every member trains on: no member named (null, NaN or empty)."""
    return (member.isna() | (member.astype(str) == "")).to_numpy()


def _weight_kwargs(est, w: np.ndarray) -> dict:
    """``fit``'s sample-weight argument: a pipeline routes it to its last step."""
    from sklearn.pipeline import Pipeline

    if isinstance(est, Pipeline):
        return {f"{est.steps[-1][0]}__sample_weight": w}
    return {"sample_weight": w}


class CommitteeClassifier(ClassifierMixin, BaseEstimator):
    """One clone of ``estimator`` per member of a committee, predicted probabilities averaged.

    ``synthkit augment`` in committee mode (``mode = "committee"``) writes the real training rows
    once (``synthkit_member`` empty) and each generator's rows named by their member. ``fit(X, y,
    member, sample_weight)`` trains one clone of ``estimator`` per member on the shared rows plus
    that member's rows (``sample_weight``, e.g. the ``synthkit_weight`` column, passed to each
    clone's ``fit``); ``predict_proba`` is the members' mean, which is what the augment report's
    validation score measured. Without any member named it is ``estimator`` on the shared rows.

    :meth:`from_augmented` splits an augment output (a DataFrame) into features, target, member
    and weights.
    """

    def __init__(self, estimator=None):
        self.estimator = estimator

    @staticmethod
    def from_augmented(df: pd.DataFrame, target: str):
        """``(X, y, member, sample_weight)`` of an augment output: the features (the output's
        columns without the target and synthkit's three), the target, the members and the
        weights (1 where the output has no weight column)."""
        if target not in df.columns:
            raise SynthkitError(f"no column {target!r} in the augmented table; name the target column")
        if MEMBER_COLUMN not in df.columns:
            raise SynthkitError(
                f"no column {MEMBER_COLUMN!r}: not the output of `synthkit augment` with mode = \"committee\""
            )
        own = [target, MEMBER_COLUMN, WEIGHT_COLUMN, SYNTHETIC_COLUMN]
        X = df.drop(columns=[c for c in own if c in df.columns])
        w = df[WEIGHT_COLUMN].to_numpy(dtype=float) if WEIGHT_COLUMN in df.columns else np.ones(len(df))
        return X, df[target], df[MEMBER_COLUMN], w

    def fit(self, X, y, member, sample_weight=None):
        """Trains one clone per member (see the class docs); returns ``self``."""
        member = pd.Series(np.asarray(member, dtype=object))
        n = len(member)
        if len(y) != n or len(X) != n:
            raise SynthkitError(f"X has {len(X)} rows, y {len(y)} and member {n}; give one per row")
        if sample_weight is not None and len(sample_weight) != n:
            raise SynthkitError(f"sample_weight has {len(sample_weight)} values for {n} rows")
        shared = _shared(member)
        if not shared.any():
            raise SynthkitError("no shared row (member empty): every member needs the real rows")
        names = list(dict.fromkeys(member[~shared].astype(str)))
        base = self.estimator
        if base is None:
            from sklearn.ensemble import HistGradientBoostingClassifier

            base = HistGradientBoostingClassifier(random_state=0)
        labels = member.astype(str).to_numpy()
        self.classes_ = np.unique(np.asarray(y))
        self.members_ = names
        self.estimators_ = []
        for name in names or [None]:
            rows = shared if name is None else shared | (labels == name)
            est = clone(base)
            Xm = X[rows] if isinstance(X, np.ndarray) else X.iloc[np.flatnonzero(rows)]
            ym = np.asarray(y)[rows]
            if sample_weight is None:
                est.fit(Xm, ym)
            else:
                est.fit(Xm, ym, **_weight_kwargs(est, np.asarray(sample_weight, dtype=float)[rows]))
            self.estimators_.append(est)
        return self

    def predict_proba(self, X):
        """The members' mean predicted probability per class (columns in ``classes_`` order)."""
        check_is_fitted(self, "estimators_")
        out = np.zeros((len(X), len(self.classes_)))
        for est in self.estimators_:
            p = est.predict_proba(X)
            cols = np.searchsorted(self.classes_, est.classes_)
            out[:, cols] += p
        return out / len(self.estimators_)

    def predict(self, X):
        """The class of highest mean probability."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
