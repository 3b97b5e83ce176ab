"""synthkit for Python: deep generative models of tables (CTGAN, TVAE, TabDDPM, flow matching,
a Gaussian copula), trained in Rust, with pandas in and out.

- :class:`Synthesizer`: ``Synthesizer("tvae", epochs=50).fit(df, target="y")``, then
  ``.sample(n, where={"y": 1})`` (exactly ``n`` rows of the class), ``.save(path)``,
  ``Synthesizer.load(path)``;
- :class:`GenerativeOversampler`: an imbalanced-learn sampler (``fit_resample``) that adds
  generated minority rows, for ``imblearn.pipeline.Pipeline`` next to ``SMOTE``;
- :class:`CommitteeClassifier`: one scikit-learn classifier per member of a ``synthkit augment``
  committee (``mode = "committee"``), predicted probabilities averaged;
- :class:`SynthkitError` (a ``ValueError``): what goes wrong, with the message the ``synthkit``
  command prints.
"""

from ._synthkit import MISSING_LABEL, SynthkitError, __version__
from ._synthesizer import MODELS, Synthesizer

__all__ = ["CommitteeClassifier", "GenerativeOversampler", "MISSING_LABEL", "MODELS", "Synthesizer", "SynthkitError", "__version__"]


def __getattr__(name):
    # imbalanced-learn is imported only when the oversampler is asked for.
    if name == "GenerativeOversampler":
        from ._oversampler import GenerativeOversampler

        return GenerativeOversampler
    if name == "CommitteeClassifier":
        from ._committee import CommitteeClassifier

        return CommitteeClassifier
    raise AttributeError(f"module 'synthkit' has no attribute {name!r}")
