"""Errors of the ``nlu`` package (messages written for the operator running the command)."""

from jiuzhu.errors import ConfigError, InvalidInput, JiuzhuError


class NluError(JiuzhuError):
    """Base of the NLU package's errors."""


class TrainingDataError(InvalidInput, NluError):
    """A training or evaluation data file is missing or not in Rasa's NLU format."""


class RasaSetupError(ConfigError, NluError):
    """The Rasa virtual environment cannot be found or built (no Python 3.10, pip failed)."""


class RasaUnavailable(NluError):
    """The Rasa server does not answer, has no model, or training/serving failed."""
