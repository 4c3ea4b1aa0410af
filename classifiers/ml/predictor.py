"""Answers for pictures in one call: the backbone's extractor decodes and embeds them (its per-picture path,
so one damaged picture costs only its own answer), then the head and the "none of these" score answer.

The prediction service, try-it, the API and the benchmarks all get their answers here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from classifiers.ml.batching import Batcher
from classifiers.ml.extract import Extractor, Source
from classifiers.ml.preprocess import VIEWS, ImageError, ImageTooLarge
from classifiers.ml.training import TrainedModel, probabilities_with_unknown, represent


@dataclass(frozen=True)
class PictureError:
    """Why picture `index` (0-based, in the order given) got no answer."""

    index: int
    error: ImageError  # ImageTooLarge when the picture has more pixels than the extractor's max_pixels

    @property
    def message(self) -> str:
        return str(self.error)

    @property
    def too_large(self) -> bool:
        return isinstance(self.error, ImageTooLarge)


class Predictor:
    """A trained model behind the backbone it was trained on. The extractor decides how large a picture may be
    (its max_pixels); the Django side builds it with settings.IMAGE_MAX_PIXELS. A Batcher in its place shares
    backbone calls with the other predictions running in the process, with the same answers."""

    def __init__(self, extractor: Extractor | Batcher, model: TrainedModel) -> None:
        self.extractor = extractor
        self.model = model

    def predict(self, pictures: Sequence[Source]) -> list[dict | PictureError]:
        """Per picture, in order: an answer (label, confidence, unknown, unknown_score, probabilities) or the
        PictureError that kept it from one."""
        embedded = self.extractor.embed(list(pictures), views=VIEWS)
        decoded = [features for features in embedded.features if features is not None]
        answers = iter(answers_from_features(self.model, np.stack(decoded)) if decoded else [])
        # A picture has no features exactly when decoding it raised an ImageError (anything else propagates).
        return [
            next(answers) if features is not None else PictureError(index, embedded.failures[index])
            for index, features in enumerate(embedded.features)
        ]


def answers_from_features(model: TrainedModel, features: np.ndarray) -> list[dict]:
    """Answers for pictures already embedded, features [n, views, d]: the Predictor's last step, for the
    measuring code that embeds a folder once and answers many train/test splits from it."""
    return probabilities_with_unknown(model, represent(features))


__all__ = ["Predictor", "PictureError", "answers_from_features"]
