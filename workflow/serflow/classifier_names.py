"""The classifiers' ids and display names, without the scikit-learn machinery that fits them
(serflow.classifiers): the results rules only write the names."""

#: classifier id -> the name the results matrix gives it (the notebook's table headings).
CLASSIFIER_NAMES = {
    "lr": "Logistic Regression",
    "svm": "Support Vector Machine",
    "rf": "Random Forest Classification",
}
