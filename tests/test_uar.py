import numpy as np
from sklearn.metrics import recall_score

from serflow.metrics import uar


def test_uar_is_macro_recall():
    rng = np.random.default_rng(0)
    truth = rng.choice(list("WLEAFTN"), size=200)
    predicted = np.where(rng.random(200) < 0.6, truth, rng.choice(list("WLEAFTN"), size=200))
    assert np.isclose(uar(truth, predicted), recall_score(truth, predicted, average="macro"))


def test_uar_weighs_classes_equally_not_utterances():
    truth = np.array(["W"] * 9 + ["N"])
    predicted = np.array(["W"] * 10)
    assert uar(truth, predicted) == 0.5


def test_uar_counts_a_predicted_class_absent_from_the_truth_as_scikit_learn_does():
    # a test fold without anger, where anger is predicted once: the classification report's
    # macro recall, and the notebook's grid.score, average over the three labels
    truth = np.array(["N", "N", "T", "T"])
    predicted = np.array(["N", "W", "T", "T"])
    assert uar(truth, predicted) == recall_score(truth, predicted, average="macro") == 0.5
